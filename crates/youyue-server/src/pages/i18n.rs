//! The pages' words in Simplified Chinese (the default) and English, and the Chinese
//! conventions for dates and money. Times are always shown in China Standard Time.

use youyue_domain::{Action, Channel, Kind, Role, Status, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn from_cookie(v: Option<&str>) -> Lang {
        match v {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// 2026年3月2日 / 2 Mar 2026.
    pub fn date(self, d: chrono::NaiveDate) -> String {
        match self {
            Lang::Zh => d.format("%Y年%-m月%-d日").to_string(),
            Lang::En => d.format("%-d %b %Y").to_string(),
        }
    }

    /// 2026年3月2日 14:05 / 2 Mar 2026 14:05, China time.
    pub fn datetime(self, t: Timestamp) -> String {
        let local = t.to_cst();
        format!("{} {}", self.date(local.date_naive()), local.format("%H:%M"))
    }

    /// ¥30,000.00: one case's [`youyue_domain::Money`] or a figure's [`youyue_domain::MoneySum`].
    pub fn money(self, m: impl std::fmt::Display) -> String {
        let s = m.to_string();
        let (whole, frac) = s.split_once('.').unwrap_or((&s, "00"));
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        format!("¥{grouped}.{frac}")
    }

    /// A refused field's message as a full sentence in this language (the API's `message`
    /// is an English predicate such as "must not be empty"): an empty field is asked for by
    /// name, a field with Chinese words gets them, and English is made a sentence that
    /// names the field. The Chinese page never shows the English message.
    pub fn field_error(self, field: &str, message: &str) -> String {
        let empty = message.starts_with("must not be empty");
        match self {
            Lang::Zh => match (empty, zh_field_noun(field), super::field_message_zh(field)) {
                (true, Some(noun), _) => format!("请填写{noun}。"),
                (_, _, Some(m)) => m.to_owned(),
                (_, Some(noun), None) => format!("{noun}填写有误，请检查后再提交。"),
                (_, None, None) => "有一项填写有误，请检查后再提交。".to_owned(),
            },
            Lang::En => {
                let noun = en_field_noun(field);
                if empty {
                    return format!("Please fill in the {noun}.");
                }
                if let Some(m) = en_field_message(field) {
                    return m.to_owned();
                }
                let predicate = ["is ", "are ", "must ", "may ", "was ", "has ", "does ", "cannot ", "can "];
                let sentence = if predicate.iter().any(|p| message.starts_with(p)) {
                    format!("The {noun} {message}")
                } else {
                    let mut c = message.chars();
                    // `send_back` reads "Send back".
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect::<String>().replace('_', " "))
                        .unwrap_or_default()
                };
                if sentence.ends_with(['.', '?', '!', ')']) {
                    sentence
                } else {
                    format!("{sentence}.")
                }
            }
        }
    }

    /// An appointment as the worker reads it: "2026年12月7日 14:00 工会调解室".
    /// A specialty in words ("mediator" → 调解员).
    pub fn specialty(self, s: &str) -> String {
        let key = format!("sp_{s}");
        match words(&key) {
            Some((zh, en)) => (if self == Lang::Zh { zh } else { en }).to_owned(),
            None => s.to_owned(),
        }
    }

    /// An appointment's status in words.
    pub fn appointment_status(self, s: youyue_domain::appointment::AppointmentStatus) -> &'static str {
        let key = match s.as_str() {
            "booked" => "appt_booked",
            "cancelled" => "appt_cancelled",
            "held" => "appt_held",
            _ => "appt_no_show",
        };
        match (words(key), self) {
            (Some((zh, _)), Lang::Zh) => zh,
            (Some((_, en)), _) => en,
            (None, _) => "",
        }
    }

    /// A slot or an appointment's time in words: the day and start, and the end's time.
    pub fn span(self, from: Timestamp, to: Timestamp) -> String {
        format!("{}–{}", self.datetime(from), to.to_cst().format("%H:%M"))
    }

    pub fn appointment(self, a: &crate::service::Appointment) -> String {
        format!("{} {}", self.datetime(a.starts_at), a.place).trim_end().to_owned()
    }

    /// The word for `key`; the key itself if there is none (a missing word shows, it
    /// does not break the page).
    pub fn t(self, key: &str) -> &str {
        match (words(key), self) {
            (Some((zh, _)), Lang::Zh) => zh,
            (Some((_, en)), Lang::En) => en,
            (None, _) => key,
        }
    }

    pub fn kind(self, k: Kind) -> &'static str {
        match self {
            Lang::Zh => k.label_zh(),
            Lang::En => match k {
                Kind::Claim => "Claim",
                Kind::Dispute => "Dispute",
                Kind::Wellbeing => "Wellbeing",
                Kind::Suggestion => "Suggestion",
            },
        }
    }

    pub fn status(self, s: Status) -> &'static str {
        match self {
            Lang::Zh => s.label_zh(),
            Lang::En => match s {
                Status::Registered => "Registered",
                Status::Accepted => "Accepted",
                Status::InProgress => "In progress",
                Status::Resolved => "Resolved",
                Status::Explained => "Explained",
                Status::Merged => "Merged",
            },
        }
    }

    pub fn channel(self, c: Channel) -> &'static str {
        match self {
            Lang::Zh => c.label_zh(),
            Lang::En => match c {
                Channel::Hotline => "Hotline",
                Channel::Mailbox => "Mailbox",
                Channel::Reception => "Reception day",
                Channel::Forum => "Forum",
                Channel::Online => "Online",
            },
        }
    }

    pub fn role(self, r: Role) -> &'static str {
        match self {
            Lang::Zh => r.label_zh(),
            Lang::En => match r {
                Role::Worker => "Worker",
                Role::Receptionist => "Receptionist",
                Role::Handler => "Handler",
                Role::Chair => "Union chair",
                Role::Admin => "Administrator",
            },
        }
    }

    /// A record-book action in words.
    pub fn action(self, a: &str) -> String {
        match (Action::parse(a), self) {
            (Some(x), Lang::Zh) => x.label_zh().to_owned(),
            (Some(x), Lang::En) => {
                let s = x.as_str();
                let mut c = s.chars();
                c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
            }
            (None, Lang::Zh) if a == "import" => "导入".to_owned(),
            (None, Lang::Zh) if a == "supervise" => "督办".to_owned(),
            (None, Lang::Zh) if a == "appointment" => "约谈变更".to_owned(),
            (None, Lang::En) if a == "appointment" => "Appointment changed".to_owned(),
            (None, Lang::Zh) if a == "notice" => "通知".to_owned(),
            (None, Lang::En) if a == "notice" => "Notice".to_owned(),
            (None, lang) => match super::agreement::action_words(a) {
                Some((zh, en)) => if lang == Lang::Zh { zh } else { en }.to_owned(),
                None => a.to_owned(),
            },
        }
    }

    pub fn rating(self, r: i64) -> &'static str {
        match (self, r) {
            (Lang::Zh, _) => youyue_domain::case::rating_label_zh(u8::try_from(r).unwrap_or(1)),
            (Lang::En, 5) => "Very satisfied",
            (Lang::En, 4) => "Satisfied",
            (Lang::En, 3) => "Fairly satisfied",
            (Lang::En, 2) => "Dissatisfied",
            (Lang::En, _) => "Very dissatisfied",
        }
    }
}

fn words(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "app" => ("工会有约", "Youyue"),
        "motto" => ("件件有回音，事事有着落。", "Every request gets an answer and an end."),
        "nav" => ("导航", "Navigation"),
        "other_lang" => ("English", "中文"),
        "inbox" => ("约事收件箱", "Inbox"),
        "register_case" => ("登记约事", "Register a case"),
        "unions" => ("工会与工作室", "Unions & studios"),
        "logout" => ("退出", "Log out"),
        "login" => ("登录", "Log in"),
        "staff_login" => ("工作人员登录", "Staff login"),
        "username" => ("用户名", "Username"),
        "password" => ("密码", "Password"),
        "account" => ("我的账户", "My account"),
        "read_log" => ("查阅记录（谁看过本约事的保密内容）", "Read log (who saw this case's confidential parts)"),
        "change_password" => ("修改密码", "Change password"),
        "current_password" => ("当前密码", "Current password"),
        "own_new_password" => ("新密码", "New password"),
        "new_password_again" => ("再输一次新密码", "New password again"),
        "password_hint" => (
            "至少 10 位。修改后，本账户在其他设备上的登录和 API 令牌全部失效。",
            "At least 10 characters. Afterwards every other login of this account and its API tokens stop working.",
        ),
        "password_changed" => ("密码已修改，其他设备上的登录已全部退出。", "Password changed; every other login has ended."),
        "totp" => ("两步验证", "Two-step login"),
        "totp_is_on" => ("已开启：登录时需输入身份验证器上的动态码。", "On: logging in needs the code from your authenticator app."),
        "totp_setup_hint" => (
            "在手机的身份验证器应用中添加下面的密钥（或打开链接），再输入应用显示的 6 位动态码。",
            "Add this key to the authenticator app on your phone (or open the link), then enter the 6-digit code it shows.",
        ),
        "totp_code_now" => ("应用上现在的动态码", "The app's current code"),
        "totp_changed" => ("两步验证已更新。", "Two-step login updated."),
        "turn_on" => ("开启", "Turn on"),
        "turn_off" => ("关闭", "Turn off"),
        "logout_everywhere" => ("退出所有设备", "Log out everywhere"),
        "logout_everywhere_hint" => (
            "手机丢失或在公用电脑上登录过时使用：本账户的所有登录立即失效，包括这一个。",
            "If a phone was lost or you logged in on a shared computer: every login of this account ends now, this one too.",
        ),
        "totp_code" => ("动态验证码（已开启两步验证时填写）", "Authenticator code (if two-step login is on)"),
        "track" => ("查询进度", "Follow a case"),
        "studio_title" => ("工会有约工作室", "Union studio"),
        "what_about" => ("您想约什么？", "What is it about?"),
        "kind_claim_hint" => ("工资、工时、福利、安全", "Pay, hours, benefits, safety"),
        "kind_dispute_hint" => ("劳动纠纷，请工会调解", "A labour dispute to mediate"),
        "kind_wellbeing_hint" => ("心理困扰，严格保密", "Psychological needs, confidential"),
        "kind_suggestion_hint" => ("给企业的建议", "A proposal to the enterprise"),
        "kind_claim" => ("说诉求", "Raise a claim"),
        "kind_dispute" => ("解纠纷", "Resolve a dispute"),
        "kind_wellbeing" => ("谈心理", "Talk it over"),
        "kind_suggestion" => ("提建议", "Make a suggestion"),
        "describe" => ("请说说具体情况", "Tell us what happened"),
        "title_optional" => ("标题（可不填）", "Title (optional)"),
        "collective" => ("这件事涉及多名职工（集体）", "It concerns several workers (collective)"),
        "people" => ("涉及人数", "Number of people"),
        "anonymous" => ("匿名：不让企业知道我是谁", "Anonymous: keep my name from the enterprise"),
        "anonymous_hint" => ("工会仍可用下面的联系方式回复您。", "The union can still reply through the contact below."),
        "your_name" => ("您的称呼", "Your name"),
        "contact" => ("联系方式（电话或微信）", "Contact (phone or WeChat)"),
        "optional" => ("选填", "optional"),
        "submit" => ("提交", "Submit"),
        "fix_errors" => ("请修改下面标出的内容。", "Please correct the fields marked below."),
        "bulletin_board" => ("公告栏", "Bulletin board"),
        "no_bulletins" => ("暂无公告。", "No announcements yet."),
        "qr" => ("工作室二维码", "Studio QR code"),
        // Duty rosters (轮值表).
        "roster" => ("轮值表", "Duty roster"),
        "roster_edit" => ("编辑轮值表", "Edit the duty roster"),
        "roster_card_hint" => (
            "谁在什么时间值班：每周的固定安排，以及请假、调班和加班。",
            "Who is on duty when: the weekly pattern, with leave, swaps and extra shifts.",
        ),
        "roster_print" => ("打印轮值表", "Print the roster"),
        "roster_changed" => ("最近修改：", "Last changed:"),
        "roster_hint" => (
            "每行一个班次：人员、专长、星期几（或工作日）、开始和结束时间。结束早于开始表示到次日；全天写 00:00–24:00。法定节假日不排班，勾选“节假日照常”的除外（如热线）。调休上班日按“工作日”排班。",
            "One shift per row: person, specialty, days of the week (or working days), start and end. An end before the start runs into the next day; a whole day is 00:00–24:00. Public holidays have no shifts unless \"also on holidays\" is ticked (a hotline). Make-up working days follow \"working days\".",
        ),
        "roster_lines" => ("每周排班", "Weekly pattern"),
        "roster_line" => ("班次", "Shift"),
        "roster_new_line" => ("新增班次", "New shift"),
        "roster_person" => ("人员", "Person"),
        "specialty" => ("专长", "Specialty"),
        "roster_start" => ("开始", "Start"),
        "roster_end" => ("结束", "End"),
        "roster_slot" => ("每次预约（分钟）", "Slot (minutes)"),
        "roster_days" => ("星期", "Days"),
        "roster_time" => ("时间", "Time"),
        "roster_online" => ("线上（电话或视频）", "Online (phone or video)"),
        "roster_holidays" => ("节假日照常", "Also on holidays"),
        "roster_holidays_too" => ("节假日照常", "holidays too"),
        "roster_remove" => ("删除", "Remove"),
        "roster_exceptions" => ("请假、调班和加班", "Leave, swaps and extra shifts"),
        "roster_exceptions_hint" => (
            "请假：此人在这几天的班次取消。调班：当天由替班人代班。加班：当天增加一个班次。",
            "Leave: the person's shifts on those days are off. Swap: on the day, the stand-in takes the person's shifts. Extra: one more shift on the day.",
        ),
        "roster_exception" => ("例外", "Exception"),
        "roster_new_exception" => ("新增例外", "New exception"),
        "roster_kind" => ("类型", "Kind"),
        "roster_leave" => ("请假", "Leave"),
        "roster_swap" => ("调班", "Swap"),
        "roster_extra" => ("加班", "Extra shift"),
        "roster_with" => ("替班人（调班）", "Stand-in (swap)"),
        "roster_date" => ("日期", "Date"),
        "roster_until" => ("至（请假）", "Until (leave)"),
        "roster_save" => ("保存轮值表", "Save the roster"),
        "roster_empty" => ("暂无值班安排。", "No one is on the roster yet."),
        "roster_all_day" => ("全天 24 小时", "All day, 24 hours"),
        "roster_print_note" => (
            "法定节假日按国家规定放假，标明“节假日照常”的除外；调休上班日照常值班。",
            "Public holidays are off except where marked; make-up working days are worked.",
        ),
        "roster_printed" => ("打印日期：", "Printed:"),
        "on_duty_week" => ("本周值班", "On duty this week"),
        "back_to_union" => ("返回工会页面", "Back to the union"),
        "specialties" => ("专长", "Specialties"),
        "save_specialties" => ("保存专长", "Save specialties"),
        "qr_hint" => ("打印后贴在工作室标识牌上，职工扫码即可约。", "Print it on the studio's sign; workers scan it to raise a case."),
        "submitted" => ("已收到您的约事", "Your case has been received"),
        "submitted_hint" => (
            "请截图或记下编号和查询码。凭这两项可随时查询进度，办结后可以评价。查询码只显示这一次。",
            "Take a screenshot or write down the number and the code. With both you can follow the case and rate it once it is closed. The code is shown only this once.",
        ),
        "case_number" => ("约事编号", "Case number"),
        "tracking_code" => ("查询码", "Tracking code"),
        "track_hint" => ("输入约事编号和查询码。", "Enter the case number and tracking code."),
        "lookup" => ("查询", "Look up"),
        "not_found_code" => ("没有找到这个编号和查询码对应的约事。", "No case with this number and tracking code."),
        "status" => ("状态", "Status"),
        "kind" => ("类别", "Kind"),
        "channel" => ("来源", "Channel"),
        "opened_at" => ("提出时间", "Raised"),
        "closed_at" => ("办结时间", "Closed"),
        "answer" => ("工会答复", "The union's answer"),
        "agreement_reached" => ("已达成调解协议", "Mediation agreement reached"),
        "agreement_not_reached" => ("未达成调解协议", "No mediation agreement"),
        "amount_recovered" => ("追回金额", "Money recovered"),
        "adopted_yes" => ("建议已被企业采纳", "The enterprise adopted the suggestion"),
        "adopted_no" => ("建议未被采纳", "The suggestion was not adopted"),
        "timeline" => ("办理过程", "Progress"),
        "appointments" => ("约谈", "Appointments"),
        "your_appointment" => ("您的约谈", "Your appointment"),
        "appt_who" => ("约谈人", "With"),
        "appt_when" => ("时间", "When"),
        "appt_where" => ("地点", "Where"),
        "appt_online" => ("线上（电话或视频）", "Online (phone or video)"),
        "appt_link" => ("链接", "Link"),
        "appt_status" => ("状态", "Status"),
        "appt_reason" => ("原因", "Reason"),
        "book_appointment" => ("预约约谈", "Book an appointment"),
        "book_hint" => ("选一个空闲时段，工作人员会按时等您。", "Choose a free time; the union's person will be there for you."),
        "free_slot" => ("空闲时段", "Free time"),
        "no_free_slots" => ("近两周没有空闲时段，请拨打有约热线。", "No free time in the next two weeks: please call the hotline."),
        "do_book" => ("预约", "Book"),
        "reschedule" => ("改约", "Reschedule"),
        "new_time" => ("新的时间", "New time"),
        "cancel_appointment" => ("取消约谈", "Cancel the appointment"),
        "do_cancel" => ("取消", "Cancel"),
        "record_outcome" => ("记录结果", "Record the outcome"),
        "outcome_held" => ("已约谈", "Held"),
        "outcome_no_show" => ("未到场", "No-show"),
        "specialist" => ("专业人员", "Specialist"),
        "done_book" => ("约谈已预约。", "Appointment booked."),
        "done_reschedule" => ("约谈已改约。", "Appointment rescheduled."),
        "done_cancel" => ("约谈已取消。", "Appointment cancelled."),
        "done_outcome" => ("约谈结果已记录。", "Outcome recorded."),
        "appt_booked" => ("已预约", "Booked"),
        "appt_cancelled" => ("已取消", "Cancelled"),
        "appt_held" => ("已约谈", "Held"),
        "appt_no_show" => ("未到场", "No-show"),
        "sp_mediator" => ("调解员", "Mediator"),
        "sp_lawyer" => ("律师", "Lawyer"),
        "sp_counsellor" => ("心理咨询师", "Counsellor"),
        "sp_teacher" => ("思政老师", "Political-education teacher"),
        "sp_arbitrator" => ("仲裁员", "Arbitrator"),
        "sp_advisor" => ("劳动关系协调员", "Labour-relations advisor"),
        "sp_liaison" => ("联络员", "Liaison officer"),
        "rate" => ("评价办理结果", "Rate the handling"),
        "rate_hint" => ("您的评价会计入工会的年度考核。", "Your rating counts in the union's yearly assessment."),
        "comment" => ("意见（选填）", "Comment (optional)"),
        "your_rating" => ("您的评价", "Your rating"),
        "thanks_rating" => ("谢谢您的评价。", "Thank you for your rating."),
        "all" => ("全部", "All"),
        "supervised" => ("督办", "Supervised"),
        "open" => ("未办结", "Open"),
        "overdue" => ("已超期", "Overdue"),
        "due_today" => ("今日到期", "Due today"),
        "mine" => ("指派给我", "Assigned to me"),
        "search" => ("搜索编号或关键词", "Search number or words"),
        "filter" => ("筛选", "Filter"),
        "sort" => ("排序", "Sort"),
        "sort_newest" => ("最新提出", "Newest"),
        "sort_oldest" => ("最早提出", "Oldest"),
        "sort_due" => ("最早到期", "Due soonest"),
        "any" => ("不限", "Any"),
        "title" => ("标题", "Title"),
        "union" => ("工会", "Union"),
        "due_on" => ("本会办理期限", "The union's own deadline"),
        "on_duty_now" => ("及时约办：现在值班的人", "Handle at once: on duty now"),
        "nobody_on_duty" => ("现在没有人值班，请按轮值表另约时间。", "Nobody is on duty now; book a time on the roster."),
        "on_duty_until" => ("值班至", "on duty until"),
        "my_appointments" => ("我的约谈", "My appointments"),
        "today" => ("今天", "Today"),
        "this_week_later" => ("本周稍后", "Later this week"),
        "no_appointments" => ("没有约谈。", "No appointments."),
        "calendar_feed" => ("日历订阅", "Calendar feed"),
        "calendar_feed_hint" => ("手机日历可订阅这个私密地址，看到您在各工作室的约谈（只显示“约谈”和约事编号、地点，不含职工信息）。地址泄露时请重新生成或停用。", "Your phone's calendar can subscribe to this private address to see your appointments at every studio (only “约谈”, the case number and the place; nothing about the worker). If the address leaks, make a new one or turn it off."),
        "calendar_url_once" => ("订阅地址（只显示这一次，请现在复制）：", "The address (shown this once; copy it now):"),
        "calendar_since" => ("当前订阅地址生成于", "The current address was made on"),
        "calendar_make" => ("生成订阅地址", "Make an address"),
        "calendar_rotate" => ("重新生成（旧地址失效）", "Make a new one (the old one stops working)"),
        "calendar_revoke" => ("停用订阅", "Turn the feed off"),
        "calendar_made" => ("已生成新的订阅地址。", "A new address was made."),
        "calendar_revoked" => ("订阅已停用，旧地址不再有效。", "The feed is off; its address no longer works."),
        "mediation_ends_on" => ("法定调解期限", "Statutory mediation period ends"),
        "mediation_clock_hint" => ("自登记次日起 15 个自然日（《劳动争议调解仲裁法》第十四条）", "15 calendar days from the day after registration (Labour Dispute Mediation and Arbitration Law, art. 14)"),
        "mediation_over_badge" => ("调解期满", "mediation period over"),
        "mediation_over_notice" => ("法定调解期限已届满。未达成调解协议的，任何一方可以申请劳动仲裁：可在此转仲裁，约事即解释说明并办结，职工会看到向哪里、在何时之前申请。", "The statutory mediation period is over. Without an agreement either party may apply for labour arbitration: refer it here; the case closes as explained, and the worker reads where to apply and by when."),
        "do_refer" => ("转仲裁", "Refer to arbitration"),
        "done_refer" => ("已转仲裁，约事已解释说明并办结。", "Referred to arbitration; the case is closed as explained."),
        "commission" => ("劳动人事争议仲裁委员会", "Arbitration commission"),
        "referred_on" => ("转仲裁日期", "Referred on"),
        "referral_note_hint" => ("职工会在说明之后读到，如受理时间、需带的材料", "The worker reads it after the explanation: office hours, documents to bring"),
        "referred_to" => ("已转仲裁", "Referred to arbitration"),
        "apply_by" => ("申请仲裁最迟", "Apply for arbitration by"),
        "handler" => ("承办人", "Handler"),
        "people_n" => ("人数", "People"),
        "no_cases" => ("没有符合条件的约事。", "No cases match."),
        "prev" => ("上一页", "Previous"),
        "next" => ("下一页", "Next"),
        "page_of" => ("页", "page"),
        "total" => ("共", "Total"),
        "record_book" => ("记录簿", "Record book"),
        "internal" => ("内部", "internal"),
        "actions" => ("办理", "Actions"),
        "description" => ("具体情况", "Description"),
        "worker" => ("职工", "Worker"),
        "contact_hidden" => ("职工匿名：联系方式仅上级工会可见。", "Anonymous worker: the contact is visible only to the unions above."),
        "urgency" => ("紧急程度", "Urgency"),
        "urgent" => ("紧急", "Urgent"),
        "normal" => ("一般", "Normal"),
        "do_accept" => ("受理并分类", "Accept and classify"),
        "do_assign" => ("指派承办人", "Assign a handler"),
        "do_note" => ("添加记录", "Add a note"),
        "do_schedule" => ("预约见面", "Schedule a meeting"),
        "do_resolve" => ("解决", "Resolve"),
        "do_explain" => ("解释（无法办理）", "Explain (cannot handle)"),
        "do_reopen" => ("重新办理", "Reopen"),
        "do_anonymise" => ("删除职工个人信息（匿名化）", "Remove the worker's personal details"),
        "anonymise_hint" => (
            "职工要求删除个人信息时使用：姓名和联系方式永久删除，约事和统计数字保留，记录簿记下操作人和原因。",
            "When the worker asks for their data to be removed: name and contact are deleted for good; the case and its figures stay; the record book notes who and why.",
        ),
        "internal_note" => ("内部记录（职工看不到）", "Internal (the worker never sees it)"),
        "text" => ("内容", "Text"),
        "starts_at" => ("时间", "When"),
        "place" => ("地点", "Where"),
        "resolution" => ("办理结果（职工可见）", "What was done (the worker reads it)"),
        "agreement" => ("是否达成调解协议", "Mediation agreement reached?"),
        "adopted" => ("企业是否采纳", "Adopted by the enterprise?"),
        "yes" => ("是", "Yes"),
        "no" => ("否", "No"),
        "explanation" => ("解释说明（职工可见）", "Explanation (the worker reads it)"),
        "reason" => ("原因", "Reason"),
        "save" => ("保存", "Save"),
        "amount_hint" => ("元，最多两位小数，如 30000 或 4500.50", "yuan, at most two decimals, e.g. 30000 or 4500.50"),
        "channel_hint" => ("职工通过什么方式找到工会", "How the worker reached the union"),
        "opened_at_hint" => ("留空为现在", "Leave empty for now"),
        "scheduled" => ("定期接待日", "Scheduled reception day"),
        "immediate" => ("及时约办（立即办理）", "Handle at once"),
        "online_mode" => ("线上", "Online"),
        "studio" => ("工作室", "Studio"),
        "studio_opened" => ("工作室启用于", "Studio opened"),
        "no_studio" => ("尚未建工作室", "No studio yet"),
        "checklist" => ("八项配置", "The eight configurations"),
        "dashboard" => ("数据看板", "Dashboard"),
        "assessment" => ("年度考核", "Yearly assessment"),
        "year" => ("年度", "Year"),
        "weights" => ("权重", "Weights"),
        "part_on_time" => ("按时办结", "On time"),
        "part_satisfaction" => ("满意率", "Satisfaction"),
        "part_appraisal" => ("年度测评", "Yearly appraisal"),
        "part_checklist" => ("八项配置", "Configurations"),
        "part_answered" => ("件件有回音", "Every case answered"),
        "assessment_hint" => ("没有数据的部分不计入，其余部分按权重折算为百分制。", "Parts without data are left out; the others are weighted to a score out of 100."),
        "download_xlsx" => ("下载 Excel", "Download Excel"),
        "period" => ("统计期间", "Period"),
        "this_month" => ("本月", "This month"),
        "this_quarter" => ("本季度", "This quarter"),
        "this_year" => ("本年度", "This year"),
        "custom" => ("自定义日期", "Custom dates"),
        "custom_hint" => ("选“自定义日期”时按起止日期统计（含首尾两天，北京时间）。", "Custom dates count both days, China time."),
        "from" => ("起", "From"),
        "to" => ("止", "To"),
        "trend" => ("按月趋势", "Month by month"),
        "opened_word" => ("登记", "Registered"),
        "resolved_word" => ("解决", "Resolved"),
        "ranking" => ("下级工会排名", "Unions below, ranked"),
        "disputes_short" => ("调解纠纷（人数）", "Disputes (people)"),
        "claims_short" => ("解决诉求", "Claims resolved"),
        "suggestions_short" => ("建议采纳 / 提出", "Suggestions adopted / made"),
        "disputes_mediated" => ("调解劳动纠纷", "Disputes mediated"),
        "people_involved" => ("涉及职工", "People involved"),
        "claims_resolved" => ("解决职工诉求", "Claims resolved"),
        "suggestions" => ("建言献策", "Suggestions"),
        "suggestions_adopted" => ("采纳建议", "Suggestions adopted"),
        "cases_resolved" => ("解决（办结中已解决的）", "Resolved (closed with an outcome)"),
        "cases_explained" => ("解释说明（办结中作解释的）", "Explained (closed with an explanation)"),
        "cases_opened" => ("登记", "Registered"),
        "cases_accepted" => ("受理", "Accepted"),
        "cases_closed" => ("办结（解决或解释说明）", "Closed (resolved or explained)"),
        "cases_closed_due" => ("有办理期限的办结约事", "Closed cases that had a deadline"),
        "cases_rated" => ("职工评价的约事", "Rated cases"),
        "disputes_referred_to_arbitration" => ("转仲裁的劳动纠纷", "Disputes referred to arbitration"),
        "appointments_held" => ("有约谈已进行的约事", "Cases with an appointment held"),
        "appointments_no_show" => ("有约谈未到场的约事", "Cases with a missed appointment"),
        "first_appointments" => ("期内登记且已约谈的约事（中位天数的依据）", "Cases registered in the period with an appointment (the median's cases)"),
        "agreements_signed" => ("期内签订调解协议的约事", "Cases whose mediation agreement was signed in the period"),
        "agreement_terms_due" => ("有协议金额条款在期内到期（截至今日）的约事", "Cases with an agreement amount term due in the period (up to today)"),
        "agreement_terms_on_time" => ("有期内到期的协议金额条款按期履行的约事", "Cases with an agreement amount term due in the period paid on time"),
        // The district's items of issue 19: what each list is, and what it leaves out.
        "side_cases_accepted" => ("按时受理率的分母：期内受理的全部约事（分子为其中按时受理的）。", "The denominator of “accepted on time”: every case accepted in the period (the numerator is those accepted on time)."),
        "side_cases_closed_due" => ("按时办结率的分母：期内办结且有办理期限的约事（分子为其中在期限内办结的）。", "The denominator of “closed on time”: cases closed in the period that had a deadline (the numerator is those closed by it)."),
        "side_agreement_terms_due" => ("履行率的分母：期内到期（截至今日）的协议金额条款所在的约事；一件约事可有多项条款，履行率按条款计。", "The denominator of the performance rate (履行率): cases with an agreement amount term due in the period (up to today); a case may have several terms, and the rate counts terms."),
        "side_agreement_terms_on_time" => ("履行率的分子：其中至少一项到期条款在到期日前（含当日）付清的约事；履行率按条款计。", "The numerator of the performance rate (履行率): of those, cases with at least one such term paid on or before its due day; the rate counts terms."),
        "side_cases_rated" => ("满意率（约事评价）的分母：期内办结且职工已评价的约事（分子为其中评 4–5 分的）。", "The denominator of “satisfaction (case ratings)”: cases closed in the period that the worker rated (the numerator is those rated 4–5)."),
        "hidden_confidential" => ("另有 {n} 件保密案件（心理需求）计入此数，您无权查看，未列出。", "{n} more confidential (wellbeing) cases are counted in this figure; you may not open them, so they are not listed."),
        "studios_below" => ("请到下级工会的工作室提出", "Raise your case at a studio below"),
        "studios_below_hint" => ("{name}尚未建工作室，不在这里受理约事。请选择您所在单位的工作室：", "{name} has no studio and takes no cases here. Choose the studio of your workplace:"),
        "no_studios_below" => ("下级工会也还没有工作室。请拨打工会热线或到工会接待日当面提出。", "No union below it has a studio yet either. Call the union's hotline or come to a reception day."),
        "qr_sign_hint" => ("扫码向工会提出约事", "Scan to raise a case with your union"),
        "qr_print" => ("打印 A5 标识牌", "Print the A5 sign"),
        "part_resolution" => ("解决率", "Resolved, not explained"),
        "rate_union" => ("给工会打分", "Rate your union"),
        "rate_union_hint" => ("每月一评、年度测评：您的评分计入工会考核。每次评比每人一票，不需要登录。", "Monthly and yearly: your score counts in the union's assessment. One vote per person per round; no login."),
        "round" => ("评比", "Round"),
        "monthly" => ("一月一评", "This month"),
        "yearly" => ("年度测评", "This year"),
        "score" => ("评分", "Score"),
        "vote_counted" => ("谢谢，您的评分已计入。", "Thank you: your score is counted."),
        "vote_already" => ("您在本次评比中已评过分，以第一次为准。", "You have already voted in this round; your first vote stands."),
        "satisfaction" => ("满意率", "Satisfaction"),
        "drill_title" => ("数字背后的约事", "The cases behind the figure"),
        "item" => ("配置", "Item"),
        "note" => ("说明", "Note"),
        "raised_to" => ("提级至", "Raised to"),
        "staff" => ("工作人员", "Staff"),
        "role" => ("角色", "Role"),
        "active" => ("启用", "Active"),
        "disabled" => ("已停用", "Disabled"),
        "disable" => ("停用", "Disable"),
        "enable" => ("启用", "Enable"),
        "change_role" => ("改角色", "Change role"),
        "invite" => ("添加工作人员", "Add a staff member"),
        "name" => ("姓名", "Name"),
        "new_password" => ("初始密码（只显示一次）", "Initial password (shown once)"),
        "post_bulletin" => ("发布公告", "Post an announcement"),
        "body" => ("正文", "Text"),
        "posted" => ("已发布。", "Posted."),
        "saved" => ("已保存。", "Saved."),
        "open_cases" => ("查看约事", "Cases"),
        "not_found_title" => ("找不到这个页面", "Page not found"),
        "forbidden_title" => ("没有权限", "Not allowed"),
        "error_title" => ("出错了", "Something went wrong"),
        "back_home" => ("返回首页", "Back to the start"),
        "welcome" => ("职工朋友，有事找工会，扫码或点击您所在企业的工作室即可约。", "Workers: find your enterprise's studio below to raise a case with your union."),
        "studios" => ("工作室", "Studios"),
        "csrf" => ("表单已过期，请刷新页面后重试。", "The form expired; reload the page and try again."),
        "overdue_badge" => ("超期", "overdue"),
        "due_soon_badge" => ("明日到期", "due tomorrow"),
        "votes_unit" => ("票", "votes"),
        "back_to_dashboard" => ("返回数据看板", "Back to the dashboard"),
        "vote_round_key" => ("期次", "Round"),
        "vote_score" => ("评分", "Score"),
        "vote_comment" => ("意见", "Comment"),
        "vote_at" => ("时间", "Time"),
        "no_votes" => ("这一时期没有评议。", "No votes in this period."),
        "paper_record_book" => ("工会有约 · 约事登记簿", "Union appointments · record book"),
        "printed_at" => ("打印于", "printed"),
        "sign_handler" => ("经办人签字", "Handled by (signature)"),
        "sign_worker" => ("职工签字", "Worker (signature)"),
        "sign_date" => ("日期", "Date"),
        "print_hint" => ("用浏览器的“打印”即得纸质登记簿（A4）。", "Print this page from the browser for the paper record book (A4)."),
        // Issue 19, the worker: the tracking code of a case staff register, the lookup and
        // the messages next to the worker's fields.
        "registered_title" => ("约事已登记", "Case registered"),
        "registered_hint" => (
            "请把编号和查询码读给职工或发给职工；来访的职工可打印下面的回执带走。查询码只显示这一次。",
            "Read the number and the tracking code to the worker, or send them; print the slip below for a worker who came in. The code is shown only this once.",
        ),
        "slip_title" => ("工会有约 · 约事回执", "Union appointments · case slip"),
        "slip_how" => (
            "凭编号和查询码，可随时在以下网址查询办理进度，办结后可以评价：",
            "With the number and the code you can follow your case at any time, and rate it once it is closed, at:",
        ),
        "slip_keep" => (
            "请妥善保管本回执：查询码不会再显示，工会工作人员也查不到。",
            "Keep this slip: the code is not shown again, and union staff cannot look it up.",
        ),
        "registered_on" => ("登记时间", "Registered"),
        "slip_print_hint" => (
            "用浏览器的“打印”（Ctrl+P）只打印回执（A5）。",
            "Print this page from the browser (Ctrl+P): only the slip is printed (A5).",
        ),
        "open_case" => ("打开这件约事", "Open the case"),
        "register_next" => ("登记下一件", "Register another case"),
        "number_empty" => ("请填写约事编号，如 JD-2026-000123。", "Enter the case number, e.g. JD-2026-000123."),
        "code_empty" => ("请填写查询码。", "Enter the tracking code."),
        "csrf_kept" => (
            "页面已过期（浏览器可能没有保存 Cookie），没有提交。您填写的内容都在下面，请再点一次提交。",
            "The page had expired (the browser may not have kept its cookie), so nothing was sent. What you typed is below: press the button again to send it.",
        ),
        "bad_value_page" => (
            "这一项含有不能接受的内容（如看不见的控制字符）。请返回上一页修改后再提交，您填写的内容通常仍在。",
            "This value cannot be accepted (it may hold an invisible control character). Go back, change it and send it again: what you typed is usually still there.",
        ),
        // The case page after a reopening, the confirmation after each action, the printed copies.
        "earlier_outcome" => ("重新办理前的办结情况", "The outcome before reopening"),
        "reopened_at" => ("重新办理于", "reopened"),
        "earlier_rating" => ("职工当时的评价", "The worker's rating then"),
        "earlier_prefilled" => ("解决表单已按上次的结果填好，请核对后修改。", "The resolve form starts from this outcome: check it and change what is new."),
        "done_accept" => ("已受理。", "Accepted."),
        "done_assign" => ("已指派承办人。", "Handler assigned."),
        "done_note" => ("备注已记入登记簿。", "Note added to the record book."),
        "done_schedule" => ("约见已安排。", "Meeting scheduled."),
        "done_resolve" => ("已解决并办结。", "Resolved and closed."),
        "done_explain" => ("已解释说明并办结。", "Explained and closed."),
        "done_reopen" => ("已重新办理。", "Reopened."),
        "done_anonymise" => ("职工姓名和联系方式已删除。", "The worker's name and contact were removed."),
        // 派单/改派 and 退单 on the case page.
        "do_transfer" => ("转办（改派到其他工会）", "Transfer to another union"),
        "transfer_hint" => ("可转至本工会及下属工会中的任一工会（填写工会代码）。转办后由对方重新受理、重新计算办理时限，本工会人员不再能查看此约事。", "To any union within your own union's subtree (its code). The other union accepts it afresh and its deadline starts again there; your union's staff no longer see the case."),
        "transfer_union" => ("转至工会（代码）", "To union (code)"),
        "done_transfer" => ("已转办。", "Transferred."),
        "do_return" => ("退单（退回派单工会）", "Return to the union that sent it"),
        // Merge (issue 22).
        "do_merge" => ("并单（并入同一事项的另一约事）", "Merge into another case about the same matter"),
        "merge_hint" => ("本约事将以“已并单”结束，由所并入的约事一并办理；职工凭查询码可看到该约事的进展和答复。当天可撤销。", "This case ends as merged and is handled with the case it joins; its worker follows that case's progress and answer with their tracking code. It can be undone the same day."),
        "merge_into" => ("并入约事编号", "Into case number"),
        "done_merge" => ("已并单。", "Merged."),
        "do_unmerge" => ("撤销并单", "Undo the merge"),
        "done_unmerge" => ("已撤销并单。", "The merge is undone."),
        "merged_into" => ("已并入", "Merged into"),
        "merged_cases" => ("并入本件的约事", "Cases merged into this one"),
        "joined_case" => ("一并办理的约事", "Handled together with case"),
        "joined_hint" => ("您的诉求与同一事项的其他诉求合并办理，以下是该约事的进展和答复。", "Your request is handled together with others about the same matter: below are that case's progress and answer."),
        "done_return" => ("已退回派单工会。", "Returned to the union that sent it."),
        "moved_from" => ("转自", "Sent by"),
        "assisting_filter" => ("我方协办的约事", "Cases we assist with"),
        "returned_twice_filter" => ("退单两次及以上", "Returned twice or more"),
        "returned_twice" => ("此约事已被退单两次或以上，已提示区总工会。", "This case has been returned twice or more: the district is alerted."),
        "print_worker_copy" => ("打印职工存档（不含内部备注）", "Print the worker's copy (no internal notes)"),
        "print_internal_copy" => ("打印内部完整版", "Print the full internal copy"),
        "internal_copy" => ("内部版 · 含内部备注 · 不得交予职工", "Internal copy · includes internal notes · not for the worker"),
        "worker_copy" => ("职工存档", "Worker's copy"),
        "worker_full_name" => ("职工姓名", "Worker's name"),
        "people_unit" => ("人", "people"),
        "do_redact" => ("删除描述中的文字", "Remove text from the description"),
        "done_redact" => ("文字已删除，登记簿记下了删除的人、原因和处数（不含原文）。", "The text was removed; the record book says who, why and how many places (never the text)."),
        "redact_hint" => ("如职工在标题或具体情况中写了自己或他人的姓名等，可删除。每处替换为“【已删除】”，不可恢复。", "For a name or other personal detail the worker typed into the title or description. Each place becomes “【已删除】”, for good."),
        "redact_text" => ("要删除的文字（完全一致）", "The text to remove (exactly as written)"),
        "notify_consent" => ("同意通过短信/邮件接收办理进度（仅告知编号和进度，不含内容）", "I agree to be told of progress by SMS or e-mail (only the number and progress, never the content)"),
        "wellbeing_waiting" => ("件心理约事等待主席受理并指派心理咨询人员（内容保密，只有主席和承办人可以查看）。", "wellbeing case(s) wait for a chair to accept them and assign a counsellor (confidential: only chairs and the assigned counsellor may open them)."),
        _ => {
            return super::agreement::words(key)
                .or_else(|| super::notices::words(key))
                .or_else(|| super::deadline::words(key))
                .or_else(|| super::callback::words(key))
        }
    })
}

/// What a refused field is called in a Chinese sentence ("请填写{noun}。").
pub(super) fn zh_field_noun(field: &str) -> Option<&'static str> {
    Some(match field {
        "description" => "具体情况",
        "title" => "标题",
        "body" => "正文",
        "text" => "内容",
        "worker_name" | "name" => "称呼",
        "contact" => "联系方式",
        "people" => "涉及人数",
        "place" => "地点",
        "starts_at" => "约见时间",
        "resolution" => "办理结果",
        "explanation" => "解释说明",
        "reason" => "原因",
        "comment" => "意见",
        "note" => "说明",
        "number" => "约事编号",
        "code" => "查询码",
        "username" => "用户名",
        "password" => "密码",
        "opened_at" => "来访时间",
        "due_on" => "期限",
        "commission" => "仲裁委员会名称",
        "referred_on" => "转仲裁日期",
        "amount_recovered" => "金额",
        "email" => "电子邮箱",
        "phone" => "手机号码",
        "notices_off" => "通知类型",
        "wecom_webhook" => "企业微信群机器人地址",
        "quiet_hours" => "免打扰时段",
        _ => return None,
    })
}

/// What a refused field is called in an English sentence ("The {noun} must …").
fn en_field_noun(field: &str) -> String {
    match field {
        "worker_name" => "name".to_owned(),
        "people" => "number of people".to_owned(),
        "starts_at" => "appointment time".to_owned(),
        "opened_at" => "time the case came in".to_owned(),
        "due_on" => "deadline".to_owned(),
        "commission" => "arbitration commission".to_owned(),
        "referred_on" => "referral date".to_owned(),
        "amount_recovered" => "amount recovered".to_owned(),
        "number" => "case number".to_owned(),
        "code" => "tracking code".to_owned(),
        "body" => "text".to_owned(),
        "Idempotency-Key" => "form".to_owned(),
        "email" => "e-mail address".to_owned(),
        "phone" => "mobile number".to_owned(),
        "notices_off" => "list of notices turned off".to_owned(),
        "wecom_webhook" => "WeChat Work robot's webhook".to_owned(),
        other => other.replace('_', " "),
    }
}

/// English sentences for the worker's fields whose API message is not meant for them.
fn en_field_message(field: &str) -> Option<&'static str> {
    Some(match field {
        "kind" => "Choose what the case is about.",
        "rating" | "score" => "Choose one of the five ratings.",
        "people" => "Enter how many people it concerns: at least 1, or at least 2 for a group.",
        "union" => "There is no such union.",
        "channel" => "Choose how the case came in.",
        "Idempotency-Key" => "The form is no longer valid; reload the page and send it again.",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field message is a sentence in the page's language: an empty field is asked
    /// for, never called too long; no English on the Chinese page.
    #[test]
    fn field_errors_are_sentences() {
        assert_eq!(Lang::Zh.field_error("title", "must not be empty"), "请填写标题。");
        assert_eq!(Lang::En.field_error("title", "must not be empty"), "Please fill in the title.");
        assert_eq!(
            Lang::En.field_error("title", "is 250 characters long; at most 200 are allowed"),
            "The title is 250 characters long; at most 200 are allowed."
        );
        assert_eq!(
            Lang::En.field_error("active", "you cannot disable your own account"),
            "You cannot disable your own account."
        );
        for field in ["active", "score", "round", "voter", "key", "weights", "anything"] {
            let zh = Lang::Zh.field_error(field, "you cannot do this");
            assert!(!zh.chars().any(|c| c.is_ascii_alphabetic()), "{field}: {zh}");
        }
    }

    #[test]
    fn chinese_conventions() {
        let t = Timestamp::parse_rfc3339("2026-03-02T06:05:00Z").unwrap();
        assert_eq!(Lang::Zh.datetime(t), "2026年3月2日 14:05");
        assert_eq!(Lang::En.datetime(t), "2 Mar 2026 14:05");
        assert_eq!(Lang::Zh.money("30000".parse::<youyue_domain::Money>().unwrap()), "¥30,000.00");
        assert_eq!(Lang::Zh.money("6890000.5".parse::<youyue_domain::Money>().unwrap()), "¥6,890,000.50");
        assert_eq!(Lang::Zh.money("0.05".parse::<youyue_domain::Money>().unwrap()), "¥0.05");
        assert_eq!(Lang::Zh.money("999".parse::<youyue_domain::Money>().unwrap()), "¥999.00");
        // A figure's sum, beyond one case's cap and beyond i64.
        assert_eq!(
            Lang::Zh.money("184467440737095516.14".parse::<youyue_domain::MoneySum>().unwrap()),
            "¥184,467,440,737,095,516.14"
        );
    }

    /// The string keys that `text` translates with `t`: called as a method in Rust, and
    /// after anything but a letter, digit or `_` in a template (so that `get` is not one).
    fn translated_keys(text: &str, rust: bool) -> Vec<String> {
        let mut keys = Vec::new();
        for (i, _) in text.match_indices("t(\"") {
            let before = text[..i].chars().next_back();
            let call = match before {
                Some('.') => true,
                Some(c) => !(rust || c.is_alphanumeric() || c == '_'),
                None => !rust,
            };
            let rest = &text[i + 3..];
            if let (true, Some(end)) = (call, rest.find('"')) {
                keys.push(rest[..end].to_owned());
            }
        }
        keys
    }

    fn files(dir: &str, ext: &str) -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut found: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == ext))
            .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap()))
            .collect();
        found.sort();
        found
    }

    /// A key without words would show itself on the page: every key the templates and the
    /// page handlers translate, and the keys they make from urgencies, figures and notices,
    /// has its words in both languages.
    #[test]
    fn every_translated_key_has_words_in_both_languages() {
        let mut keys: Vec<(String, String)> = Vec::new();
        for (file, text) in files("templates", "html") {
            keys.extend(translated_keys(&text, false).into_iter().map(|k| (file.clone(), k)));
        }
        for (file, text) in files("src/pages", "rs") {
            keys.extend(translated_keys(&text, true).into_iter().map(|k| (file.clone(), k)));
        }
        assert!(keys.len() > 100, "the scan finds the keys: {}", keys.len());
        let made = youyue_domain::Urgency::ALL
            .iter()
            .map(|u| u.as_str())
            .chain(youyue_domain::figures::Figure::ALL.iter().map(|f| f.as_str()))
            .chain(["password_changed", "totp_changed", "notice_settings_saved", "notice_retried"]);
        keys.extend(made.map(|k| ("(made in code)".to_owned(), k.to_owned())));
        let missing: Vec<_> =
            keys.iter().filter(|(_, k)| !words(k).is_some_and(|(zh, en)| !zh.is_empty() && !en.is_empty())).collect();
        assert!(missing.is_empty(), "keys without words in both languages: {missing:?}");
    }
}
