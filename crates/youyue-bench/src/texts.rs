//! The words of the generated province: place and company names, people, and the titles,
//! descriptions and answers of cases, by kind. Written for this benchmark.

use crate::rng::Rng;

pub struct Industry {
    pub name: &'static str,
    /// The company name's ending, e.g. 纺织有限公司.
    pub company: &'static str,
    pub posts: &'static [&'static str],
    pub workshops: &'static [&'static str],
    /// Typical monthly wage in yuan.
    pub wage: i64,
}

pub const INDUSTRIES: &[Industry] = &[
    Industry {
        name: "纺织",
        company: "纺织有限公司",
        posts: &["挡车工", "络筒工", "整经工", "质检员"],
        workshops: &["织造车间", "前纺车间", "后整理车间"],
        wage: 5200,
    },
    Industry {
        name: "服装",
        company: "服饰有限公司",
        posts: &["缝纫工", "裁剪工", "熨烫工", "包装工"],
        workshops: &["缝制车间", "裁剪车间", "后道车间"],
        wage: 5000,
    },
    Industry {
        name: "机械制造",
        company: "机械有限公司",
        posts: &["数控车工", "焊工", "钳工", "装配工"],
        workshops: &["机加工车间", "焊接车间", "总装车间"],
        wage: 6800,
    },
    Industry {
        name: "汽车零部件",
        company: "汽车部件有限公司",
        posts: &["冲压工", "注塑工", "装配工", "叉车司机"],
        workshops: &["冲压车间", "注塑车间", "装配线"],
        wage: 6500,
    },
    Industry {
        name: "电子",
        company: "电子科技有限公司",
        posts: &["贴片操作员", "测试员", "插件工", "物料员"],
        workshops: &["SMT车间", "测试车间", "组装车间"],
        wage: 5800,
    },
    Industry {
        name: "五金工具",
        company: "工贸有限公司",
        posts: &["抛光工", "压铸工", "包装工", "仓管员"],
        workshops: &["抛光车间", "压铸车间", "成品仓库"],
        wage: 5600,
    },
    Industry {
        name: "食品加工",
        company: "食品有限公司",
        posts: &["流水线操作工", "分拣员", "冷库管理员", "配送员"],
        workshops: &["包装车间", "冷库", "生产线"],
        wage: 4800,
    },
    Industry {
        name: "物流",
        company: "供应链管理有限公司",
        posts: &["快递员", "分拣员", "货车司机", "装卸工"],
        workshops: &["分拨中心", "仓储中心", "转运场"],
        wage: 6200,
    },
    Industry {
        name: "建筑",
        company: "建设工程有限公司",
        posts: &["钢筋工", "木工", "泥瓦工", "架子工"],
        workshops: &["一号工地", "三标段项目部", "搅拌站"],
        wage: 7500,
    },
    Industry {
        name: "化工",
        company: "化工有限公司",
        posts: &["操作工", "化验员", "设备维修工", "危化品押运员"],
        workshops: &["合成车间", "罐区", "质检中心"],
        wage: 7000,
    },
    Industry {
        name: "印刷包装",
        company: "包装印务有限公司",
        posts: &["印刷机长", "模切工", "糊盒工", "仓管员"],
        workshops: &["印刷车间", "模切车间", "成品库"],
        wage: 5300,
    },
    Industry {
        name: "家具",
        company: "家居有限公司",
        posts: &["木工", "油漆工", "开料工", "安装工"],
        workshops: &["开料车间", "涂装车间", "组装车间"],
        wage: 6000,
    },
    Industry {
        name: "小商品",
        company: "日用品有限公司",
        posts: &["串珠工", "打包工", "质检员", "跟单员"],
        workshops: &["加工车间", "打包区", "样品间"],
        wage: 4600,
    },
    Industry {
        name: "电子商务",
        company: "电子商务有限公司",
        posts: &["客服专员", "主播助理", "拣货员", "打包员"],
        workshops: &["客服中心", "直播基地", "电商仓"],
        wage: 5500,
    },
    Industry {
        name: "餐饮",
        company: "餐饮管理有限公司",
        posts: &["厨师", "服务员", "洗碗工", "外卖骑手"],
        workshops: &["中央厨房", "门店", "配送站"],
        wage: 4700,
    },
    Industry {
        name: "光伏",
        company: "新能源科技有限公司",
        posts: &["串焊工", "层压工", "EL检测员", "设备工程师"],
        workshops: &["电池片车间", "组件车间", "检测中心"],
        wage: 6600,
    },
];

pub const CITIES: &[(&str, &[&str])] = &[
    ("杭州市", &["上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区", "钱塘区", "富阳区", "临安区"]),
    ("宁波市", &["海曙区", "江北区", "北仑区", "镇海区", "鄞州区", "奉化区", "余姚市", "慈溪市", "宁海县", "象山县"]),
    ("温州市", &["鹿城区", "龙湾区", "瓯海区", "洞头区", "瑞安市", "乐清市", "永嘉县", "平阳县", "苍南县", "龙港市"]),
    ("嘉兴市", &["南湖区", "秀洲区", "海宁市", "平湖市", "桐乡市", "嘉善县", "海盐县"]),
    ("湖州市", &["吴兴区", "南浔区", "德清县", "长兴县", "安吉县"]),
    ("绍兴市", &["越城区", "柯桥区", "上虞区", "诸暨市", "嵊州市", "新昌县"]),
    ("金华市", &["婺城区", "金东区", "兰溪市", "义乌市", "东阳市", "永康市", "武义县", "浦江县", "磐安县"]),
    ("衢州市", &["柯城区", "衢江区", "江山市", "常山县", "开化县", "龙游县"]),
    ("舟山市", &["定海区", "普陀区", "岱山县", "嵊泗县"]),
    ("台州市", &["椒江区", "黄岩区", "路桥区", "临海市", "温岭市", "玉环市", "天台县", "仙居县", "三门县"]),
    ("丽水市", &["莲都区", "龙泉市", "青田县", "缙云县", "遂昌县", "松阳县", "云和县", "庆元县", "景宁县"]),
];

pub const STREETS: &[&str] = &[
    "城东街道",
    "城西街道",
    "城南街道",
    "城北街道",
    "新华街道",
    "江滨街道",
    "文化街道",
    "开发区",
    "工业园区",
    "高新园区",
    "临江镇",
    "白石镇",
    "新塘街道",
    "洪塘街道",
    "东湖街道",
    "长安镇",
    "桥头镇",
    "横店镇",
    "柳市镇",
    "大唐街道",
];

pub const BRANDS: &[&str] = &[
    "华盛", "恒通", "永达", "东方", "瑞丰", "金鹰", "新亚", "宏图", "天成", "振华", "海天", "锦绣", "嘉禾", "远航",
    "兴隆", "协力", "众诚", "卓越", "富春", "钱江", "之江", "鑫源", "立信", "万佳", "正泰", "光明", "星辰", "福瑞",
    "和信", "明珠",
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗",
    "郑", "梁", "谢", "宋", "唐", "许", "叶", "蒋", "沈", "韩", "冯",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
    "平", "刚", "桂英", "建华", "海燕", "志强", "丽萍", "国庆", "小红", "建军", "晓东",
];

pub fn person(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

/// How a worker who gives only part of their name is called.
pub fn informal_name(rng: &mut Rng) -> String {
    let s = rng.pick(SURNAMES);
    match rng.below(3) {
        0 => format!("{s}师傅"),
        1 => format!("{s}女士"),
        _ => format!("{s}{}", rng.pick(GIVEN)),
    }
}

pub fn phone(rng: &mut Rng) -> String {
    let head = rng.pick(&["138", "139", "135", "158", "159", "187", "188", "133", "153", "177"]);
    format!("{head}{:08}", rng.below(100_000_000))
}

/// What a case is about: the text a worker gives and what the union's answer will say.
pub struct Story {
    pub title: String,
    pub description: String,
    /// Money at stake in fen (wages owed, compensation asked), if any.
    pub amount_fen: Option<i64>,
    /// What "resolved" means for this story; `{amount}` is replaced by the money recovered.
    pub resolution: &'static str,
    /// Whether a resolved case of this story recovers money.
    pub recovers_money: bool,
}

pub fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn approx_yuan(fen: i64) -> String {
    let y = fen / 100;
    if y >= 10_000 {
        format!("{:.1}万", y as f64 / 10_000.0)
    } else {
        y.to_string()
    }
}

/// A claim (说诉求) of `people` workers of a company in `ind`.
pub fn claim(rng: &mut Rng, ind: &Industry, company: &str, people: i64) -> Story {
    let post = rng.pick(ind.posts);
    let shop = rng.pick(ind.workshops);
    let who = if people > 1 {
        format!("我们是{shop}的{people}名{post}，")
    } else {
        format!("本人是{shop}的{post}，")
    };
    match rng.below(9) {
        0 => {
            let months = rng.range(1, 5);
            let fen = people * ind.wage * months * 100;
            Story {
                title: if people > 1 {
                    format!("{people}名职工被拖欠{months}个月工资")
                } else {
                    format!("被拖欠{months}个月工资")
                },
                description: format!(
                    "{who}{company}自{}月起拖欠工资共{months}个月，合计约{}元。多次向车间主任和人事部门反映，只说等回款，一直没有结果，家里房贷和孩子学费都等着用钱，希望工会帮忙讨要。",
                    rng.range(1, 12),
                    approx_yuan(fen)
                ),
                amount_fen: Some(fen),
                resolution: "经工会与企业人事、财务部门协商，企业已分两期补发拖欠工资，合计{amount}元，职工确认已到账。",
                recovers_money: true,
            }
        }
        1 => {
            let hours = rng.range(8, 30);
            let months = rng.range(2, 12);
            let fen = people * hours * months * 4 * 35 * 100;
            Story {
                title: "加班费未按规定支付".into(),
                description: format!(
                    "{who}近{months}个月每周加班约{hours}小时，周末加班也只按基本工资折算，没有按1.5倍、2倍标准支付加班费，估算差额{}元。希望工会核实考勤记录，督促企业补发。",
                    approx_yuan(fen)
                ),
                amount_fen: Some(fen),
                resolution: "工会调取考勤记录与企业核对，企业承认计算有误，已补发加班费{amount}元，并承诺自下月起按法定标准计发。",
                recovers_money: true,
            }
        }
        2 => Story {
            title: "社保未足额缴纳".into(),
            description: format!(
                "{who}公司一直按最低基数为职工缴纳社会保险，与实际工资相差较大，医保报销和将来的养老金都受影响。同车间还有不少人是这种情况，请工会督促{company}按实际工资补缴。"
            ),
            amount_fen: Some(people * rng.range(2_000, 12_000) * 100),
            resolution: "经工会协调，企业自本月起按实际工资核定缴费基数，并为相关职工补缴差额{amount}元。",
            recovers_money: true,
        },
        3 => {
            let months = rng.range(2, 11);
            let fen = ind.wage * months * 100;
            Story {
                title: format!("入职{months}个月未签订劳动合同"),
                description: format!(
                    "{who}入职已经{months}个月，公司一直没有签书面劳动合同，工资也是现金发放，担心以后权益没有保障。请求工会协调补签合同，并依法支付未签合同期间的双倍工资差额约{}元。",
                    approx_yuan(fen)
                ),
                amount_fen: Some(fen),
                resolution: "企业已与职工补签劳动合同，并支付未签合同期间二倍工资差额{amount}元。",
                recovers_money: true,
            }
        }
        4 => Story {
            title: "食堂饭菜质量差、价格上涨".into(),
            description: format!(
                "厂区食堂最近饭菜价格涨了{}%，分量却少了，夜班下班后没有热饭，只能吃泡面。{}希望工会和行政部门沟通，增加夜班热食窗口，公开食堂收支。",
                rng.range(10, 40),
                if people > 1 { format!("{people}名职工联名") } else { "车间不少职工".into() }
            ),
            amount_fen: None,
            resolution: "工会组织职工代表与行政部门座谈，食堂已调回原价并增设夜班热食窗口，每月公示收支。",
            recovers_money: false,
        },
        5 => Story {
            title: "宿舍空调损坏、热水供应不足".into(),
            description: format!(
                "{}号宿舍楼空调坏了{}天一直没人来修，晚上热得睡不着；热水每天只供应一个小时，下班晚的职工洗不上热水澡。住宿职工有{}人，希望尽快解决。",
                rng.range(1, 8),
                rng.range(5, 40),
                people.max(rng.range(20, 200))
            ),
            amount_fen: None,
            resolution: "工会督促后勤部门更换了损坏的空调，热水供应时间延长至晚上十一点，已回访住宿职工。",
            recovers_money: false,
        },
        6 => {
            let fen = people * 300 * 3 * 100;
            Story {
                title: "高温津贴未发放".into(),
                description: format!(
                    "{who}今年7月至9月在{shop}高温环境下作业，车间温度经常超过35度，公司没有发放高温津贴，也没有调整作息时间。按规定每人每月应发300元，请工会帮助落实。"
                ),
                amount_fen: Some(fen),
                resolution: "企业已补发高温津贴{amount}元，并在车间加装降温设备、调整午间作业时间。",
                recovers_money: true,
            }
        }
        7 => Story {
            title: "带薪年休假无法休".into(),
            description: format!(
                "{who}在公司已工作{}年，按规定每年应有带薪年休假，但主管一直以生产任务重为由不批，也不支付未休年假工资。希望工会帮忙沟通。",
                rng.range(2, 15)
            ),
            amount_fen: Some(ind.wage * 100 * 3 / 2),
            resolution: "经工会沟通，企业同意安排职工分批休年假，无法安排的按规定支付未休年休假工资{amount}元。",
            recovers_money: true,
        },
        _ => Story {
            title: "劳动防护用品配发不足".into(),
            description: format!(
                "{shop}噪声大、粉尘多，公司这半年没有配发耳塞和防尘口罩，有的工友已经出现咳嗽、听力下降。希望工会督促企业按标准配发劳保用品，并安排职业健康体检。"
            ),
            amount_fen: None,
            resolution: "企业已按标准配发耳塞、防尘口罩，并安排接触粉尘噪声岗位的职工进行职业健康体检。",
            recovers_money: false,
        },
    }
}

/// A labour dispute (解纠纷).
pub fn dispute(rng: &mut Rng, ind: &Industry, company: &str, people: i64) -> Story {
    let post = rng.pick(ind.posts);
    let shop = rng.pick(ind.workshops);
    // Collective disputes are mostly about wages; a single worker's never "集体".
    let which = if people > 1 && rng.chance(0.6) { 2 } else { [0, 1, 3, 4, 5][rng.below(5) as usize] };
    match which {
        0 => {
            let level = rng.range(7, 10);
            let fen = ind.wage * 100 * (25 - 2 * level + rng.range(0, 6));
            let injury = rng.pick(&["左手被机器压伤", "从高处摔下导致腰椎骨折", "右脚被叉车碾伤", "手指被割伤致残"]);
            Story {
                title: "工伤赔偿争议".into(),
                description: format!(
                    "本人是{company}{shop}的{post}，去年在作业时{injury}，已认定工伤，鉴定为{level}级伤残。就一次性伤残补助金、停工留薪期工资和医疗费与公司多次协商不成，请求工会调解，诉求金额约{}元。",
                    approx_yuan(fen)
                ),
                amount_fen: Some(fen.max(100_000)),
                resolution: "经工会调解，双方达成调解协议，企业一次性支付工伤待遇{amount}元，职工不再提出其他诉求。",
                recovers_money: true,
            }
        }
        1 => {
            let years = rng.range(1, 12);
            let fen = ind.wage * years * 100;
            let reason = rng.pick(&["不能胜任工作", "严重违反规章制度", "经营困难", "拒绝调岗"]);
            Story {
                title: "解除劳动合同经济补偿争议".into(),
                description: format!(
                    "公司以“{reason}”为由单方解除了我的劳动合同，没有提前通知也没有征求工会意见。本人在{company}工作{years}年，要求支付经济补偿金约{}元。",
                    approx_yuan(fen)
                ),
                amount_fen: Some(fen),
                resolution: "工会主持调解，企业同意按工作年限支付经济补偿{amount}元，双方解除劳动关系。",
                recovers_money: true,
            }
        }
        2 => {
            let months = rng.range(2, 6);
            let fen = people * ind.wage * months * 100;
            Story {
                title: format!("{people}名职工集体讨薪"),
                description: format!(
                    "{company}因资金链紧张，拖欠{shop}{people}名一线职工{months}个月工资，合计约{}元，老板联系不上，职工情绪激动，准备停工。请工会尽快介入调解。",
                    approx_yuan(fen)
                ),
                amount_fen: Some(fen),
                resolution: "工会会同人社、街道联合调解，企业变卖库存筹措资金，已向职工支付工资{amount}元。",
                recovers_money: true,
            }
        }
        3 => {
            let fen = (ind.wage / 4) * 6 * 100;
            Story {
                title: "调岗降薪争议".into(),
                description: format!(
                    "公司未经协商把我从{post}岗位调到仓库打杂，工资每月少了{}元左右。我认为调岗没有合理理由，要求恢复原岗位或补足工资差额。",
                    ind.wage / 4
                ),
                amount_fen: Some(fen),
                resolution: "经调解，企业同意恢复职工原岗位，并补足调岗期间工资差额{amount}元。",
                recovers_money: true,
            }
        }
        4 => Story {
            title: "试用期被辞退争议".into(),
            description: format!(
                "入职{company}做{post}，试用期第{}个月被通知不符合录用条件，但公司从没告诉过录用条件是什么，也拿不出考核记录。要求公司说明理由并依法赔偿。",
                rng.range(1, 5)
            ),
            amount_fen: Some(ind.wage * 100),
            resolution: "经工会调解，企业撤回辞退决定或按一个月工资标准支付赔偿{amount}元，职工选择领取赔偿后离职。",
            recovers_money: true,
        },
        _ => Story {
            title: "停工停产期间工资争议".into(),
            description: format!(
                "因订单不足，{shop}已经停工{}个月，公司只发每月800元生活费，按规定第一个工资周期内应正常支付工资。{}要求补足差额。",
                rng.range(1, 4),
                if people > 1 { format!("{people}名职工") } else { "本人".into() }
            ),
            amount_fen: Some(people * ind.wage * 60),
            resolution: "双方达成调解协议，企业补足第一个工资周期的工资差额{amount}元，此后按当地标准发放生活费。",
            recovers_money: true,
        },
    }
}

/// A wellbeing case (谈心理).
pub fn wellbeing(rng: &mut Rng, ind: &Industry) -> Story {
    let shop = rng.pick(ind.workshops);
    match rng.below(5) {
        0 => Story {
            title: "工作压力大、晚上睡不着".into(),
            description: format!(
                "最近订单多，{shop}连续{}天加班到晚上十点，感觉压力特别大，晚上经常失眠，白天上班注意力不集中，怕出安全事故。想找心理咨询师聊聊。",
                rng.range(10, 45)
            ),
            amount_fen: None,
            resolution: "工会安排心理咨询师与职工面谈两次，职工睡眠和情绪明显好转，约定一个月后回访。",
            recovers_money: false,
        },
        1 => Story {
            title: "与班组长关系紧张".into(),
            description: "班组长经常当众批评我，排班也总给我安排最累的活，心里很委屈，不知道该怎么处理，又怕说出来以后被穿小鞋。"
                .into(),
            amount_fen: None,
            resolution: "工会分别与职工和班组长谈心，组织三方沟通，双方消除误会，班组排班改为公开轮换。",
            recovers_money: false,
        },
        2 => Story {
            title: "家庭困难，想了解帮扶政策".into(),
            description: "爱人生病住院，孩子在老家读书，每月医药费和生活费压力很大，心情很低落。想了解工会有没有困难职工帮扶和子女助学的政策。"
                .into(),
            amount_fen: None,
            resolution: "工会为职工建立困难职工档案，申请了困难帮扶金和子女助学金，并安排志愿者定期走访。",
            recovers_money: false,
        },
        3 => Story {
            title: "新员工不适应，想辞职".into(),
            description: format!(
                "刚从外省来{shop}上班两个月，人生地不熟，饮食和作息都不习惯，想家，觉得坚持不下去了，想找人说说话。"
            ),
            amount_fen: None,
            resolution: "工会安排老职工结对帮带，邀请职工参加新员工联谊活动，职工表示愿意继续工作。",
            recovers_money: false,
        },
        _ => Story {
            title: "单身青年交友需求".into(),
            description: "厂里青年职工多，平时工作忙、圈子小，很多人到了年纪还没有对象，家里催得紧。希望工会组织联谊活动。"
                .into(),
            amount_fen: None,
            resolution: "工会联合团委举办了青年职工联谊会，共有120余名青年职工参加。",
            recovers_money: false,
        },
    }
}

/// A suggestion (提建议, 合理化建议).
pub fn suggestion(rng: &mut Rng, ind: &Industry) -> Story {
    let shop = rng.pick(ind.workshops);
    match rng.below(6) {
        0 => Story {
            title: format!("关于优化{shop}排班的合理化建议"),
            description: format!(
                "建议将{shop}现行的两班倒改为四班三运转，减少夜班连续天数。按我们班组测算，疲劳作业减少后差错率可下降约{}%，职工也能有更多休息时间。",
                rng.range(5, 30)
            ),
            amount_fen: None,
            resolution: "建议经企业生产部评估，已在相关车间试行新的排班方式。",
            recovers_money: false,
        },
        1 => {
            let fen = rng.range(20_000, 600_000) * 100;
            Story {
                title: "节能降耗的合理化建议".into(),
                description: format!(
                    "{shop}的空压机和照明长时间空转，建议加装余热回收装置和分区照明控制，估计每年可节约电费约{}元。",
                    approx_yuan(fen)
                ),
                amount_fen: None,
                resolution: "企业采纳建议并完成改造，预计年节约电费可观，已给予提出人合理化建议奖励。",
                recovers_money: false,
            }
        }
        2 => Story {
            title: "建议设立母婴室".into(),
            description: "厂里哺乳期女职工有十几人，目前没有专门的哺乳场所，只能在更衣室或卫生间吸奶。建议利用闲置办公室设立母婴室。"
                .into(),
            amount_fen: None,
            resolution: "企业已利用闲置办公室建成爱心母婴室，配备冰箱、沙发和洗手池。",
            recovers_money: false,
        },
        3 => Story {
            title: "建议开通上下班通勤班车".into(),
            description: format!(
                "厂区离公交站有两公里多，夜班职工下班时已经没有公交车，骑电动车回家不安全。建议开通往返{}的通勤班车。",
                rng.pick(&["城区", "镇上", "高铁站", "职工公寓"])
            ),
            amount_fen: None,
            resolution: "企业与公交公司协商开通了早晚两班定制公交，覆盖夜班下班时间。",
            recovers_money: false,
        },
        4 => Story {
            title: "建议开展技能提升培训".into(),
            description: format!(
                "{}岗位新设备越来越多，很多老职工不会操作，建议工会和企业联合开展技能培训和技能比武，考出证书的给予补贴。",
                rng.pick(ind.posts)
            ),
            amount_fen: None,
            resolution: "企业与工会联合开办技能提升班，已有多名职工取得职业技能等级证书并享受补贴。",
            recovers_money: false,
        },
        _ => Story {
            title: "关于改进安全操作规程的建议".into(),
            description: format!(
                "{shop}的安全操作规程是几年前制定的，和现在的设备不完全匹配，建议组织一线职工参与修订，并在每台设备旁张贴简明操作卡。"
            ),
            amount_fen: None,
            resolution: "安全部门组织一线职工修订了操作规程，每台设备旁已张贴操作卡。",
            recovers_money: false,
        },
    }
}

pub const EXPLANATIONS: &[&str] = &[
    "该事项属于劳动保障监察职能，工会已引导职工向当地劳动保障监察大队投诉，并告知投诉材料准备要求。",
    "诉求涉及个人之间的借贷纠纷，不属于工会受理范围，已建议职工通过人民调解或向法院起诉解决。",
    "职工已离职且多次联系不上，无法继续办理，如有需要可随时再次提出。",
    "该争议已进入劳动人事争议仲裁程序，工会不再重复受理，已为职工联系法律援助律师。",
    "经核实企业做法符合法律规定和集体合同约定，已向职工解释相关政策。",
];

pub const UNRESOLVED_DISPUTE: &str =
    "经多次调解双方未能达成一致，工会已告知职工向劳动人事争议仲裁委员会申请仲裁，并提供法律援助。";
pub const NOT_ADOPTED: &str = "企业经评估认为暂不具备实施条件，暂不采纳，理由已向职工当面说明，建议留存备查。";

pub const RATING_COMMENTS: &[&str] = &[
    "感谢工会，办得很快！",
    "工会干部很耐心，问题解决了。",
    "总体满意，希望以后回复再及时一点。",
    "钱拿到了，谢谢。",
    "结果不太满意，但态度很好。",
    "拖得太久了。",
];

pub const NOTES: &[&str] = &[
    "已电话联系职工，了解具体情况，约定面谈时间。",
    "已与企业人事部门沟通，企业表示将核实后答复。",
    "调取了考勤和工资发放记录，材料已归档。",
    "与职工面谈一次，职工情绪稳定。",
    "企业答复需要一周时间筹措资金，已告知职工。",
];

pub const PLACES: &[&str] = &["职工服务站一楼接待室", "企业工会办公室", "电话沟通", "街道调解室", "车间会议室"];
