//! The TaiwanJobs importer (`vacancies::feed`): a feed file's text as XML
//! when it starts with `<` (after white space and a BOM), else as JSON.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mydata_navigator::fuzzing::taiwanjobs;

fuzz_target!(|data: &[u8]| {
    // Feed files are read with `read_to_string`: only UTF-8 reaches the parser.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let xml = text
        .trim_start_matches(['\u{feff}', ' ', '\n', '\r', '\t'])
        .starts_with('<');
    let _ = taiwanjobs(xml, text);
});
