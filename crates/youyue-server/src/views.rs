//! Plain pages until the page issue builds the real ones.

use axum::response::Html;

pub async fn home() -> Html<&'static str> {
    Html(concat!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<title>工会有约 youyue</title></head><body>",
        "<h1>工会有约</h1><p>职工诉求、劳动纠纷、心理需求、建言献策，件件有回音、事事有着落。</p>",
        "<p>API: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a></p>",
        "</body></html>"
    ))
}
