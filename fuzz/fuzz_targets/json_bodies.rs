//! The JSON request bodies of the HTTP API, through the handlers' own `Json`
//! extractor and the checks each handler runs before the store. The first
//! byte picks the body (see `mydata_navigator::fuzzing::Body::ALL`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mydata_navigator::fuzzing::{Body, json_body};

fuzz_target!(|data: &[u8]| {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    let _ = json_body(Body::from_byte(kind), body);
});
