//! The catalogue's CEL rules: the first byte picks an expression on its own
//! (as one condition of a service, through the dry run), a YAML service
//! document or a JSON one (`catalog::dry_run::read`, `validate_service`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mydata_navigator::fuzzing::{cel_rule, service_document};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            if let Ok(expression) = std::str::from_utf8(rest) {
                let _ = cel_rule(expression);
            }
        }
        1 => {
            let _ = service_document(false, rest);
        }
        _ => {
            let _ = service_document(true, rest);
        }
    }
});
