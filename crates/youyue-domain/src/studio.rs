//! A studio's eight configurations (8 个配置) and its bulletin board.

use crate::case::{check_text, string_enum, FieldError, MAX_SHORT_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS};
use crate::time::Timestamp;
use crate::union::UnionCode;
use serde::{Deserialize, Serialize};

string_enum!(
    /// What a studio has in place (DOMAIN.md, "the eight configurations").
    StudioItem {
        Workplace = "workplace" / "工作场所",
        Sign = "sign" / "标识标牌",
        Rules = "rules" / "工作制度",
        Hotline = "hotline" / "有约热线",
        Mailbox = "mailbox" / "有约信箱",
        Roster = "roster" / "轮值表",
        RecordBook = "record_book" / "记录簿",
        BulletinBoard = "bulletin_board" / "公告栏",
    }
);

impl StudioItem {
    pub fn label_en(self) -> &'static str {
        match self {
            StudioItem::Workplace => "Workplace",
            StudioItem::Sign => "Sign",
            StudioItem::Rules => "Work rules",
            StudioItem::Hotline => "Hotline",
            StudioItem::Mailbox => "Mailbox",
            StudioItem::Roster => "Duty roster",
            StudioItem::RecordBook => "Record book",
            StudioItem::BulletinBoard => "Bulletin board",
        }
    }
}

/// One configuration item of a studio: whether it is in place, and a note (the hotline's
/// number, where the mailbox hangs…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudioItemRecord {
    pub union: UnionCode,
    pub item: StudioItem,
    pub done: bool,
    #[serde(default)]
    pub note: String,
    pub updated_by: String,
    pub updated_at: Timestamp,
}

impl StudioItemRecord {
    pub fn check(&self) -> Result<(), FieldError> {
        check_text("note", &self.note, MAX_SHORT_CHARS, false)?;
        check_text("updated_by", &self.updated_by, 64, true)
    }
}

/// An announcement on a studio's bulletin board (公告栏), public to workers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulletinRecord {
    pub union: UnionCode,
    pub title: String,
    pub body: String,
    pub posted_by: String,
    pub posted_at: Timestamp,
}

impl BulletinRecord {
    pub fn check(&self) -> Result<(), FieldError> {
        check_text("title", &self.title, MAX_TITLE_CHARS, true)?;
        check_text("body", &self.body, MAX_TEXT_CHARS, true)?;
        check_text("posted_by", &self.posted_by, 64, true)
    }
}
