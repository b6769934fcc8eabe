"""Generated work orders for the search benchmark: realistic Chinese and English text.

Titles hold the place and a summary of the event (NORMS §4.3), 10-40 characters; bodies hold
the time, place, course of events and the caller's request, 80-400 characters. About one
order in seven is in English, and Chinese bodies carry English words (App, WiFi, iPhone) as
real ones do. Callers and account numbers repeat, so looking one up finds several orders.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from helpline.domain.people.phone import match_keys
from helpline.domain.workorders.numbering import format_order_number

DISTRICTS = [
    "朝阳区",
    "海淀区",
    "东城区",
    "西城区",
    "丰台区",
    "石景山区",
    "通州区",
    "昌平区",
    "大兴区",
    "顺义区",
    "浦东新区",
    "徐汇区",
    "静安区",
    "天河区",
    "越秀区",
    "南山区",
    "福田区",
    "武侯区",
    "江汉区",
    "鼓楼区",
]
PLACE_A = [
    "幸福",
    "阳光",
    "金色",
    "翠竹",
    "和平",
    "锦绣",
    "碧水",
    "丽景",
    "华府",
    "东方",
    "明珠",
    "西湖",
    "紫荆",
    "望京",
    "龙湖",
    "长安",
    "新华",
    "春晖",
    "枫林",
    "银河",
    "天鹅",
    "凤凰",
    "梧桐",
    "学府",
    "滨江",
    "香榭",
    "御景",
    "康桥",
    "青年",
    "绿洲",
]
PLACE_B = ["花园", "小区", "家园", "雅苑", "公寓", "新村", "大厦", "广场", "嘉园", "名苑", "里", "山庄"]
EVENTS_ZH = (
    ("停电", "家中突然停电，整栋楼都没有电", "冰箱里的食物已经坏了"),
    ("停水", "小区停水，事先没有任何通知", "老人孩子无法正常生活"),
    ("漏水", "楼上漏水，天花板渗水严重", "墙皮脱落，家具被泡坏"),
    ("噪音扰民", "夜间施工噪音很大", "影响休息，孩子无法入睡"),
    ("燃气泄漏", "楼道里闻到很浓的燃气味", "担心发生爆炸"),
    ("电梯故障", "电梯经常停运，昨天有人被困", "老人上下楼非常困难"),
    ("垃圾清运不及时", "垃圾桶满了好几天没人清理", "气味难闻，蚊蝇很多"),
    ("路灯不亮", "小区门口路灯坏了一个多月", "晚上出行不安全"),
    ("占道经营", "商贩在人行道上摆摊", "行人只能走机动车道"),
    ("违章停车", "车辆长期占用消防通道", "存在安全隐患"),
    ("物业费纠纷", "物业收费标准不透明", "要求物业公示收支明细"),
    ("供暖不热", "暖气温度只有十几度", "家里老人已经感冒"),
    ("宽带中断", "宽带网络中断两天", "影响居家办公"),
    ("快递丢失", "快递显示已签收但本人没有收到", "快递公司互相推诿"),
    ("退款未到账", "网购退货后退款一直没有到账", "商家客服不回复"),
    ("医保报销", "异地就医医保报销流程不清楚", "希望了解需要准备的材料"),
    ("社保查询", "社保缴费记录有两个月缺失", "担心影响退休待遇"),
    ("施工扰民", "工地晚上十点后还在施工", "灰尘很大无法开窗"),
    ("井盖缺失", "路口井盖丢失", "行人容易掉落受伤"),
    ("树木倒伏", "大风后树木倒在路上", "阻碍车辆通行"),
    ("下水道堵塞", "下水道堵塞污水外溢", "楼道里臭味很重"),
    ("油烟污染", "楼下餐馆油烟直排", "家里无法开窗通风"),
    ("拖欠工资", "公司拖欠工资三个月", "多次讨要未果"),
    ("消费欺诈", "商家虚假宣传诱导消费", "要求退一赔三"),
    ("公交晚点", "公交车经常晚点半小时以上", "上班经常迟到"),
    ("房屋漏雨", "顶楼房屋漏雨", "多次报修无人处理"),
    ("违规养犬", "邻居养大型犬不拴绳", "孩子被吓哭"),
    ("学位咨询", "孩子明年入学，学位不确定", "咨询划片入学政策"),
    ("户籍办理", "办理户口迁移手续", "咨询需要哪些材料"),
    ("水质浑浊", "自来水发黄有异味", "不敢饮用"),
)
TIMES_ZH = [
    "今天上午",
    "今天下午",
    "昨晚十点左右",
    "三天前",
    "本周一",
    "上个月",
    "从前天开始",
    "今天凌晨",
    "最近一周",
    "连续半个月",
]
REQUESTS_ZH = (
    "请尽快派人维修",
    "要求物业给出书面说明",
    "希望相关部门尽快处理",
    "咨询办理流程和所需材料",
    "要求商家退款",
    "请处理后回电告知进度",
    "要求对责任人进行处罚",
    "希望尽快恢复正常",
)
EXTRA_ZH = (
    "来电人情绪比较激动。",
    "此前已多次反映，问题一直没有解决。",
    "来电人表示如果不处理将向媒体反映。",
    "涉及住户约二十户。",
    "来电人已联系过物业，物业称不归其管理。",
    "来电人希望匿名处理。",
    "现场有照片可以提供。",
    "来电人要求在两小时内答复。",
    "已告知来电人处理时限。",
    "来电人使用的是 iPhone 15，App 无法登录。",
    "家里 WiFi 信号时有时无。",
    "附近的商户也受到影响。",
    "来电人是独居老人，行动不便。",
    "社区工作人员已到现场查看。",
    "来电人称已拨打过维修电话但无人接听。",
    "来电人表示愿意配合调查。",
    "问题在雨天更加严重。",
    "邻居也多次反映过同样的问题。",
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "志强",
    "海燕",
    "晓东",
    "红梅",
    "文博",
    "子涵",
]
EVENTS_EN = (
    ("Power outage", "the power has been out in the whole building", "food in the fridge has spoiled"),
    ("Water leak", "water is leaking from the flat upstairs", "the ceiling is badly damaged"),
    ("Noise complaint", "construction noise continues late at night", "residents cannot sleep"),
    ("Gas smell", "there is a strong smell of gas in the stairwell", "residents fear an explosion"),
    ("Broken elevator", "the elevator has broken down again", "elderly residents are stuck at home"),
    ("Missed garbage pickup", "garbage has not been collected for a week", "the smell is unbearable"),
    ("Street light out", "the street light at the entrance is out", "walking home at night feels unsafe"),
    ("Refund not received", "a refund for a returned order never arrived", "the merchant does not reply"),
    ("Illegal parking", "cars keep blocking the fire lane", "emergency vehicles cannot pass"),
    ("Internet down", "the broadband connection has been down for two days", "working from home fails"),
    ("Heating failure", "the radiators are barely warm", "an elderly resident has caught a cold"),
    ("Unpaid wages", "the employer has not paid wages for three months", "repeated requests were ignored"),
)
PLACES_EN = (
    "Maple Court",
    "Riverside Apartments",
    "Sunshine Garden",
    "Harbor View",
    "Oak Street",
    "Lakeside Estate",
    "Pine Hill",
    "Central Plaza",
    "Willow Lane",
    "Golden Tower",
)
REQUESTS_EN = (
    "The caller asks for an urgent repair.",
    "The caller requests a written explanation.",
    "The caller wants a callback with progress.",
    "The caller demands a full refund.",
    "The caller asks which department is responsible.",
)
EXTRA_EN = (
    "The caller has reported this twice before.",
    "About twenty households are affected.",
    "Photos are available on request.",
    "The caller was told the expected handling time.",
    "The caller sounded upset but cooperative.",
    "Neighbours confirm the problem.",
    "A technician visited last week without fixing it.",
    "The caller prefers contact by text message.",
)
NAMES_EN = ("John Smith", "Mary Johnson", "David Lee", "Linda Brown", "Michael Chen", "Sarah Wilson")
CATEGORIES = ("inquiry", "suggestion", "complaint", "help")

# What agents type: 2-4 character Chinese words, names, places, English words, and pairs.
QUERIES_TEXT = (
    *(e[0][:2] for e in EVENTS_ZH),
    "停电",
    "漏水",
    "噪音",
    "燃气",
    "电梯",
    "物业",
    "快递",
    "退款",
    "井盖",
    "供暖",
    "社保",
    "医保",
    "油烟",
    "学位",
    "户口",
    "维修",
    "异味",
    "消防通道",
    "燃气味",
    "媒体",
    "匿名",
    *(d for d in DISTRICTS[:8]),
    *(a + b for a, b in zip(PLACE_A[:12], PLACE_B, strict=False)),
    *(s + g for s, g in zip(SURNAMES[:15], GIVEN[5:20], strict=True)),
    "outage",
    "elevator",
    "refund",
    "garbage",
    "radiators",
    "Maple",
    "wages",
    "leak",
    "parking",
    "broadband",
    "停电 朝阳区",
    "漏水 天花板",
    "电梯 被困",
    "refund merchant",
    "燃气 爆炸",
    "iPhone 登录",
)


@dataclass(frozen=True, slots=True)
class Order:
    number: str
    caller_key: str
    account: str
    category: str
    title: str
    body: str
    updated_at: datetime


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.8:
        digits = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
        return rng.choice((digits, f"{digits[:3]}-{digits[3:7]}-{digits[7:]}", f"+86 {digits}"))
    return f"0{rng.choice(('10', '21', '20', '755'))}-{rng.randint(2000_0000, 8999_9999)}"


def _chinese(rng: random.Random, phone: str) -> tuple[str, str]:
    event, what, impact = rng.choice(EVENTS_ZH)
    place = f"{rng.choice(DISTRICTS)}{rng.choice(PLACE_A)}{rng.choice(PLACE_B)}"
    building = rng.randint(1, 40)
    title = f"{'急件：' if rng.random() < 0.05 else ''}{place}{building}号楼{event}"
    if rng.random() < 0.4:
        title += "，" + rng.choice(REQUESTS_ZH)
    body = (
        f"来电人{_name(rng)}反映，{rng.choice(TIMES_ZH)}{place}{building}号楼{what}，{impact}。"
        f"{rng.choice(REQUESTS_ZH)}。联系电话{phone}。"
    )
    target = rng.randint(80, 400)
    while len(body) < target:
        body += rng.choice((*EXTRA_ZH, f"{rng.choice(TIMES_ZH)}又出现{event}情况，{impact}。"))
    return title[:40], body[:target]


def _english(rng: random.Random, phone: str) -> tuple[str, str]:
    event, what, impact = rng.choice(EVENTS_EN)
    place, building = rng.choice(PLACES_EN), rng.randint(1, 40)
    title = f"{event} at Building {building}, {place}"
    body = (
        f"Caller {rng.choice(NAMES_EN)} reports that {what} at Building {building}, {place}; {impact}. "
        f"{rng.choice(REQUESTS_EN)} Phone {phone}."
    )
    target = rng.randint(80, 400)
    while len(body) < target:
        body += " " + rng.choice(EXTRA_EN)
    return title[:40], body[:target]


def orders(
    count: int, *, seed: int = 1, start: datetime = datetime(2025, 1, 1, tzinfo=UTC)
) -> Iterator[Order]:
    """``count`` orders, oldest first, over about a year; the same ones for the same seed."""
    rng = random.Random(seed)
    callers: list[tuple[str, str]] = []
    keys: dict[str, str] = {}
    step = timedelta(days=365) / max(count, 1)
    sequence: dict[str, int] = {}
    for i in range(count):
        if callers and rng.random() < 0.3:
            phone, key = rng.choice(callers)
        else:
            phone = _phone(rng)
            key = keys.setdefault(phone, match_keys(phone)[0])
            callers.append((phone, key))
        title, body = _english(rng, phone) if rng.random() < 0.15 else _chinese(rng, phone)
        at = start + step * i
        day = at.strftime("%Y%m%d")
        sequence[day] = sequence.get(day, 0) + 1
        yield Order(
            number=format_order_number(day, sequence[day]),
            caller_key=key,
            account=f"H{rng.randint(0, max(count // 3, 1)):07d}",
            category=rng.choice(CATEGORIES),
            title=title,
            body=body,
            updated_at=at + timedelta(minutes=rng.randint(0, 600)),
        )
