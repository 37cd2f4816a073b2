//! The counter ticket id (the barcode's content) and the six-digit code as
//! presented at redemption (`transfer::counter::ticket_and_code`), the
//! barcode drawn for a well-formed id, and the redeem body itself. The input
//! is `ticket id \n code`; with a leading `{` it is a redeem body.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mydata_navigator::fuzzing::{Body, json_body, ticket_code};

fuzz_target!(|data: &[u8]| {
    if data.first() == Some(&b'{') {
        let _ = json_body(Body::CounterRedeem, data);
        return;
    }
    let text = String::from_utf8_lossy(data);
    let (ticket_id, code) = text.split_once('\n').unwrap_or((&text, ""));
    let _ = ticket_code(ticket_id, code);
});
