//! `/static/{file}`: the stylesheet and scripts, embedded in the binary.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use crate::http::{Path, Problem};

#[derive(rust_embed::RustEmbed)]
#[folder = "web/static/"]
struct Static;

fn content_type(file: &str) -> Option<&'static str> {
    match file.rsplit_once('.')?.1 {
        "css" => Some("text/css; charset=utf-8"),
        "js" => Some("text/javascript; charset=utf-8"),
        "svg" => Some("image/svg+xml"),
        "png" => Some("image/png"),
        _ => None,
    }
}

/// The stylesheet, scripts and images, embedded in the binary.
#[utoipa::path(get, path = "/static/{file}", tag = "pages",
    params(("file" = String, Path, description = "A file name, e.g. `app.css`")),
    responses(
        (status = 200, description = "The file, typed by its extension", content(
            ("text/css"), ("text/javascript"), ("image/svg+xml"), ("image/png"),
        )),
        (status = 404, description = "No such file"),
    ))]
pub async fn serve(Path(file): Path<String>) -> Result<Response, Problem> {
    let missing = || Problem::not_found(format!("there is no file {file}"));
    let kind = content_type(&file).ok_or_else(missing)?;
    let asset = Static::get(&file).ok_or_else(missing)?;
    Ok((
        [(CONTENT_TYPE, kind), (CACHE_CONTROL, "no-cache")],
        asset.data.into_owned(),
    )
        .into_response())
}
