//! The `navigator` binary: parses the command line and hands over to the
//! library, so that everything it does is reachable from tests too.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    mydata_navigator::cli::run().await
}
