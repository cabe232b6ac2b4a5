//! The yearly assessment table (考核): every union with a studio, its score and the parts
//! of it, best first.

use super::{render, Ctx, PageResult};
use crate::access;
use crate::service::{self, AssessmentRow};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;
use youyue_domain::assessment::Weights;
use youyue_domain::Timestamp;

#[derive(Deserialize, Default)]
pub struct AssessmentParams {
    #[serde(default)]
    union: String,
    #[serde(default)]
    year: String,
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct AssessmentPage {
    ctx: Ctx,
    union_name: String,
    union_code: String,
    year: i32,
    weights: Weights,
    rows: Vec<AssessmentRow>,
}

impl AssessmentPage {
    fn pct(&self, v: &Option<f64>) -> String {
        v.map(|x| format!("{:.0}%", x * 100.0)).unwrap_or_else(|| "—".into())
    }
    fn score(&self, v: &Option<f64>) -> String {
        v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into())
    }
}

pub async fn assessment(ctx: Ctx, State(state): State<AppState>, Query(p): Query<AssessmentParams>) -> PageResult {
    let user = ctx.require_staff()?.clone();
    let code = if p.union.is_empty() { user.union_code.to_string() } else { p.union.clone() };
    let union = access::union_within(state.store.as_ref(), &user, &code).await?;
    let this_year = chrono::Datelike::year(&Timestamp::now().cst_date());
    let year = p.year.parse::<i32>().ok().filter(|y| (1000..=9999).contains(y)).unwrap_or(this_year);
    let (weights, rows) = service::assessment(&state, &union, year).await?;
    let page = AssessmentPage {
        ctx,
        union_name: union.record.name.clone(),
        union_code: union.record.code.to_string(),
        year,
        weights,
        rows,
    };
    Ok(render(&page))
}
