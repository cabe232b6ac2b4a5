//! The mediation agreement's printed paper (调解协议书), as the law describes it (劳动争议
//! 调解仲裁法 art. 14: the parties, the claims, the agreed terms, signed by both parties and
//! the mediator, and sealed): one model (`Paper`) for the HTML page (`pages/agreement.rs`)
//! and the PDF (`pdf`), which krilla writes with the CJK font's glyphs subset into it.
//!
//! The font is read at run time, not built into the binary: a CJK font is 15–25 MB, and
//! Debian's `fonts-noto-cjk` is one package away; `serve --agreement-font FILE` names
//! another. Without one, the PDF answers 503 and the HTML page still prints.

use crate::access::AgreementOp;
use crate::error::ApiError;
use crate::AppState;
use chrono::{Datelike, NaiveDate};
use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use krilla::Document;
use skrifa::instance::{LocationRef, Size};
use skrifa::string::StringId;
use skrifa::{FontRef, MetadataProvider};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use youyue_store::User;

/// Where a CJK font is looked for when none is configured: Debian's Noto CJK (a collection:
/// its Simplified Chinese face is picked), then WenQuanYi.
pub const DEFAULT_FONTS: [&str; 5] = [
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
];

/// The font of the PDFs: the configured file, or the first of `DEFAULT_FONTS` found; read
/// once, at the first PDF.
pub struct PaperFont {
    configured: Option<PathBuf>,
    loaded: OnceLock<Result<LoadedFont, String>>,
}

#[derive(Clone)]
struct LoadedFont {
    data: Arc<Vec<u8>>,
    index: u32,
    font: Font,
}

impl PaperFont {
    pub fn new(configured: Option<PathBuf>) -> PaperFont {
        PaperFont { configured, loaded: OnceLock::new() }
    }

    fn get(&self) -> Result<LoadedFont, ApiError> {
        let loaded = self.loaded.get_or_init(|| load(self.configured.as_ref()));
        loaded.clone().map_err(ApiError::NotProvided)
    }
}

fn load(configured: Option<&PathBuf>) -> Result<LoadedFont, String> {
    let candidates: Vec<PathBuf> = match configured {
        Some(p) => vec![p.clone()],
        None => DEFAULT_FONTS.iter().map(PathBuf::from).collect(),
    };
    let mut tried = Vec::new();
    for path in &candidates {
        let Ok(bytes) = std::fs::read(path) else {
            tried.push(path.display().to_string());
            continue;
        };
        let index = chinese_face(&bytes);
        let data = Arc::new(bytes);
        match Font::new(data.clone().into(), index) {
            Some(font) => return Ok(LoadedFont { data, index, font }),
            None => tried.push(format!("{} (not an OpenType font)", path.display())),
        }
    }
    Err(format!(
        "no Chinese font to write the PDF with (tried {}): install fonts-noto-cjk or start the server with \
         --agreement-font FILE; the printable page /cases/NUMBER/agreement still prints",
        tried.join(", ")
    ))
}

/// The face of a collection whose family is Simplified Chinese ("… SC", not monospaced);
/// 0 for a single font or a collection without one.
fn chinese_face(data: &[u8]) -> u32 {
    let mut index = 0;
    while let Ok(face) = FontRef::from_index(data, index) {
        let family =
            face.localized_strings(StringId::FAMILY_NAME).english_or_first().map(|s| s.to_string()).unwrap_or_default();
        if family.ends_with(" SC") && !family.contains("Mono") {
            return index;
        }
        index += 1;
    }
    0
}

/// An amount term as printed.
pub struct PaperTerm {
    pub amount: String,
    pub payee: String,
    pub due_on: String,
}

/// The paper: everything it prints, in Chinese (the language of the document).
pub struct Paper {
    pub number: String,
    /// The studio's union, whose studio mediated.
    pub studio: String,
    pub workers: String,
    pub workers_count: i64,
    pub collective: bool,
    pub enterprise: String,
    pub representative: String,
    pub worker_claims: String,
    pub enterprise_claims: String,
    pub terms: Vec<PaperTerm>,
    pub total: String,
    pub waived: Vec<String>,
    pub other_terms: Vec<String>,
    pub mediators: Vec<String>,
    pub place: String,
    /// The day signed (2026年2月10日); None for a draft (printed with a blank day).
    pub signed_on: Option<String>,
}

/// A China date as the paper writes it.
pub fn chinese_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

fn yuan(m: impl std::fmt::Display) -> String {
    format!("人民币 {m} 元")
}

/// The paper of a case's agreement, for a caller who may read it.
pub async fn paper_of(state: &AppState, user: &User, number: &str) -> Result<Paper, ApiError> {
    let (case, stored) = crate::service::agreement::agreement_of(state, user, number, AgreementOp::Read).await?;
    let stored = stored
        .ok_or_else(|| ApiError::not_found(format!("case {} has no mediation agreement yet", case.record.number)))?;
    let union = state.store.union_by_id(case.union_id).await?;
    let studio = union.map(|u| u.record.name).unwrap_or_default();
    let a = stored.agreement;
    Ok(Paper {
        number: case.record.number.to_string(),
        studio,
        workers: a.parties.workers.join("、"),
        workers_count: a.parties.workers_count,
        collective: case.record.collective,
        enterprise: a.parties.enterprise.clone(),
        representative: a.parties.representative.clone(),
        worker_claims: a.worker_claims.clone(),
        enterprise_claims: a.enterprise_claims.clone(),
        terms: a
            .terms
            .iter()
            .map(|t| PaperTerm { amount: yuan(t.amount), payee: t.payee.clone(), due_on: chinese_date(t.due_on) })
            .collect(),
        total: yuan(a.total()),
        waived: a.waived.clone(),
        other_terms: a.other_terms.clone(),
        mediators: a.mediators.iter().map(|m| m.name.clone()).collect(),
        place: a.place.clone(),
        signed_on: a.signed_on.map(chinese_date),
    })
}

/// A line of the PDF: its text, size, left indent (points) and space before it.
struct Line {
    text: String,
    size: f32,
    indent: f32,
    before: f32,
    centred: bool,
    /// Part of the signature block, which is never split across pages.
    signing: bool,
}

const A4: (f32, f32) = (595.28, 841.89);
const MARGIN: f32 = 64.0;
const BODY: f32 = 12.0;
/// The paper's last paragraphs: the lines to sign and seal, and the date.
const SIGNATURE_PARAGRAPHS: usize = 6;

impl Paper {
    /// The paper's text as paragraphs (size, indent, space before, centred): what the PDF
    /// lays out. The HTML page says the same with its own markup.
    fn paragraphs(&self) -> Vec<(String, f32, f32, f32, bool)> {
        let mut p: Vec<(String, f32, f32, f32, bool)> = Vec::new();
        let mut para = |text: String, indent: f32, before: f32| p.push((text, BODY, indent, before, false));
        para(format!("编号：{}", self.number), 0.0, 0.0);
        para(format!("甲方（职工）：{}", self.workers), 0.0, 10.0);
        if self.collective {
            para(format!("职工人数：{} 人", self.workers_count), 0.0, 0.0);
        }
        para(format!("乙方（用人单位）：{}", self.enterprise), 0.0, 0.0);
        para(format!("法定代表人或委托代理人：{}", self.representative), 0.0, 0.0);
        para("一、双方的请求".into(), 0.0, 12.0);
        para(format!("甲方请求：{}", self.worker_claims), 24.0, 2.0);
        if !self.enterprise_claims.trim().is_empty() {
            para(format!("乙方意见：{}", self.enterprise_claims), 24.0, 2.0);
        }
        para(
            format!("经{}调解，双方自愿达成如下协议：", if self.studio.is_empty() { "工会" } else { &self.studio }),
            0.0,
            12.0,
        );
        let mut n = 0;
        for t in &self.terms {
            n += 1;
            para(format!("{n}. 乙方于 {} 前向 {} 支付 {}。", t.due_on, t.payee, t.amount), 24.0, 2.0);
        }
        if !self.terms.is_empty() {
            para(format!("以上款项合计 {}。", self.total), 24.0, 2.0);
        }
        for w in &self.waived {
            n += 1;
            para(format!("{n}. 甲方放弃以下请求：{w}"), 24.0, 2.0);
        }
        for o in &self.other_terms {
            n += 1;
            para(format!("{n}. {o}"), 24.0, 2.0);
        }
        para(
            "本协议自双方签字（盖章）并经调解员签字、加盖调解组织印章之日起生效，双方应当自觉履行。一方当事人在协议约定期限内不履行的，另一方当事人可以依法申请仲裁。本协议一式三份，双方各执一份，调解组织存档一份。".into(),
            0.0,
            12.0,
        );
        para(format!("调解地点：{}", self.place), 0.0, 12.0);
        para("甲方（签名）：____________________        日期：______________".into(), 0.0, 20.0);
        para("乙方（盖章）：____________________".into(), 0.0, 16.0);
        para("法定代表人或委托代理人（签名）：____________________".into(), 0.0, 16.0);
        para(format!("调解员（签名）：{}    ____________________", self.mediators.join("、")), 0.0, 16.0);
        para(format!("调解组织（盖章）：{}", self.studio), 0.0, 16.0);
        let day = self.signed_on.clone().unwrap_or_else(|| "      年    月    日".into());
        p.push((day, BODY, 0.0, 20.0, false));
        p
    }

    /// The paper laid out in lines of at most the text width, broken by the font's advances.
    fn lines(&self, font: &FontRef<'_>) -> Vec<Line> {
        let width = A4.0 - 2.0 * MARGIN;
        let mut lines = vec![
            Line { text: self.studio.clone(), size: 13.0, indent: 0.0, before: 0.0, centred: true, signing: false },
            Line {
                text: "调解协议书".into(), size: 22.0, indent: 0.0, before: 10.0, centred: true, signing: false
            },
        ];
        let paragraphs = self.paragraphs();
        let signing_from = paragraphs.len().saturating_sub(SIGNATURE_PARAGRAPHS);
        for (n, (text, size, indent, before, centred)) in paragraphs.into_iter().enumerate() {
            let mut first = true;
            for part in text.split('\n') {
                for piece in wrap(font, part, size, width - indent) {
                    let before = if first { before } else { 0.0 };
                    lines.push(Line { text: piece, size, indent, before, centred, signing: n >= signing_from });
                    first = false;
                }
            }
        }
        lines
    }
}

/// The width of `text` at `size` points.
fn advance(font: &FontRef<'_>, text: &str, size: f32) -> f32 {
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    let map = font.charmap();
    text.chars().map(|c| map.map(c).and_then(|g| metrics.advance_width(g)).unwrap_or(size)).sum()
}

/// `text` broken into lines no wider than `width`: between any two characters (Chinese
/// has no spaces to break at), never before a closing punctuation mark.
fn wrap(font: &FontRef<'_>, text: &str, size: f32, width: f32) -> Vec<String> {
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    let map = font.charmap();
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0.0;
    for c in text.chars() {
        let w = map.map(c).and_then(|g| metrics.advance_width(g)).unwrap_or(size);
        let closing = "，。、；：？！）」』》".contains(c);
        if used + w > width && !line.is_empty() && !closing {
            lines.push(std::mem::take(&mut line));
            used = 0.0;
        }
        line.push(c);
        used += w;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The paper as a PDF: A4 pages, the font's glyphs subset into the file.
pub async fn pdf(font: &PaperFont, paper: &Paper) -> Result<Vec<u8>, ApiError> {
    let loaded = font.get()?;
    let paper_lines = {
        let face = FontRef::from_index(loaded.data.as_slice(), loaded.index)
            .map_err(|e| ApiError::NotProvided(format!("the PDF font cannot be read: {e}")))?;
        paper.lines(&face)
    };
    let data = loaded.data.clone();
    let (index, font) = (loaded.index, loaded.font.clone());
    tokio::task::spawn_blocking(move || render(&data, index, font, &paper_lines))
        .await
        .map_err(|e| ApiError::internal_in("writing the PDF", e))?
}

fn render(data: &[u8], index: u32, font: Font, lines: &[Line]) -> Result<Vec<u8>, ApiError> {
    let face = FontRef::from_index(data, index).map_err(|e| ApiError::internal(format!("PDF font: {e}")))?;
    let mut pages: Vec<Vec<(f32, f32, &Line)>> = vec![Vec::new()];
    let mut y = MARGIN;
    let block: f32 = lines.iter().filter(|l| l.signing).map(|l| l.before + l.size * 1.7).sum();
    let mut signing = false;
    for line in lines {
        let height = line.size * 1.7;
        // The signature block starts a page of its own when it would not fit whole.
        let starts_block = line.signing && !signing;
        signing = line.signing;
        if (starts_block && y + block > A4.1 - MARGIN) || y + line.before + height > A4.1 - MARGIN {
            pages.push(Vec::new());
            y = MARGIN;
        } else {
            y += line.before;
        }
        y += height;
        let x = if line.centred { (A4.0 - advance(&face, &line.text, line.size)) / 2.0 } else { MARGIN + line.indent };
        if let Some(page) = pages.last_mut() {
            page.push((x, y - line.size * 0.45, line));
        }
    }
    let settings = || PageSettings::from_wh(A4.0, A4.1).ok_or_else(|| ApiError::internal("A4 page size"));
    let mut document = Document::new();
    for page_lines in &pages {
        let mut page = document.start_page_with(settings()?);
        let mut surface = page.surface();
        for (x, baseline, line) in page_lines {
            surface.draw_text(
                Point::from_xy(*x, *baseline),
                font.clone(),
                line.size,
                &line.text,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| ApiError::internal(format!("writing the PDF: {e:?}")))
}
