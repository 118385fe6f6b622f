"""The national table of the 《政府网站工作年度报表》 (国办函〔2018〕12号): every row in its order,
word for word as the template (DOMAIN.md), with the kind of its figure and where the figure
normally comes from.  Facts only; read by :mod:`pipeline.website_report` (figures and checks),
:mod:`pipeline.report_data` (the data file's allowed keys) and :mod:`pipeline.render.website_report`.

The rows are written below as a table, one line a row: ``key  kind  origin  label  [unit]``;
``[group]`` and ``{sub}`` lines open a group and a sub-group (``[]`` / ``{}`` close them).  A
row's unit is the last ``（单位：…）`` of its label, sub-group or group unless given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FORMAT = "国办函〔2018〕12号"

CONFIG, ITEMS, LOGS, DATA = "config", "items", "logs", "data"
SOURCE_LABELS = {CONFIG: "配置", ITEMS: "门户统计", LOGS: "访问日志", DATA: "数据文件"}
WEB_CHANNEL = "网站"
WEIBO, WECHAT = "微博", "微信"
# 移动新媒体 › 其他: one entry per further account, keyed by the channel name of the items
OTHER_MEDIA_KEYS = ("名称", "信息发布量", "关注量")
YES = ("是", "有", "yes", "true")
NO = ("否", "无", "没有", "no", "false")

_TABLE = """
name                        text   config  网站名称
url                         text   config  首页网址
sponsor                     text   config  主办单位
site_type                   text   config  网站类型
site_code                   text   config  政府网站标识码
icp                         text   config  ICP备案号
police_record               text   config  公安机关备案号
visitors                    int    logs    独立用户访问总量（单位：个）
page_views                  int    logs    网站总访问量（单位：次）
[信息发布（单位：条）]
info.total                  int    items   总数
info.概况类                 int    items   概况类信息更新量
info.政务动态               int    items   政务动态信息更新量
info.信息公开目录           int    items   信息公开目录信息更新量
[专栏专题（单位：个）]
special.maintained          int    items   维护数量
special.new                 int    items   新开设数量
[解读回应]
{解读信息发布}
interpret.total             int    items   总数（单位：条）
interpret.解读材料          int    items   解读材料数量  条
interpret.解读产品          int    items   解读产品数量  条
interpret.媒体评论          int    items   媒体评论文章数量  条
{}
interpret.回应              int    items   回应公众关注热点或重大舆情数量（单位：次）
[办事服务]
service.catalogue           yesno  data    是否发布服务事项目录
service.users               int    data    注册用户数（单位：个）
service.items               int    data    政务服务事项数量（单位：项）
service.online              int    data    可全程在线办理政务服务事项数量（单位：项）
{办件量（单位：件）}
service.cases.total         int    data    总数
service.cases.person        int    data    自然人办件量
service.cases.legal         int    data    法人办件量
[互动交流]
interact.platform           yesno  data    是否使用统一平台
{留言办理}
interact.msg.received       int    data    收到留言数量（条）
interact.msg.closed         int    data    办结留言数量（条）
interact.msg.days           number data    平均办理时间（天）
interact.msg.public         int    data    公开答复数量（条）
{征集调查}
interact.survey.rounds      int    data    征集调查期数（期）
interact.survey.opinions    int    data    收到意见数量（条）
interact.survey.results     int    data    公布调查结果期数（期）
{在线访谈}
interact.interview.rounds   int    data    访谈期数（期）
interact.interview.messages int    data    网民留言数量（条）
interact.interview.answers  int    data    答复网民提问数量（条）
{}
interact.qa                 yesno  data    是否提供智能问答功能
[安全防护]
security.checks             int    data    安全检测评估次数（次）
security.found              int    data    发现问题数量（个）
security.fixed              int    data    问题整改数量（个）
security.monitoring         yesno  data    是否建立安全监测预警机制
security.drill              yesno  data    是否开展应急演练
security.owner              yesno  data    是否明确网站安全责任人
[移动新媒体]
media.any                   yesno  items   是否有移动新媒体
{微博}
media.weibo.name            text   data    名称
media.weibo.posts           int    items   信息发布量（条）
media.weibo.followers       int    data    关注量（个）
{微信}
media.wechat.name           text   data    名称
media.wechat.posts          int    items   信息发布量（条）
media.wechat.followers      int    data    订阅数（个）
{}
media.other                 text   items   其他
[创新发展]
innovation.0                yesno  data    搜索即服务
innovation.1                yesno  data    多语言版本
innovation.2                yesno  data    无障碍浏览
innovation.3                yesno  data    千人千网
innovation.4                text   data    其他
[]
signoff.head                text   data    单位负责人
signoff.reviewer            text   data    审核人
signoff.filler              text   data    填报人
signoff.phone               text   data    联系电话
signoff.date                date   data    填报日期
"""


@dataclass(frozen=True)
class Row:
    """One line of the national table.  ``group`` / ``sub`` / ``label`` are word for word the
    template's (DOMAIN.md); ``origin`` is where the figure normally comes from."""

    key: str
    group: str
    sub: str
    label: str
    kind: str  # int | number | yesno | text | date
    origin: str  # config | items | logs | data
    unit: str = ""

    @property
    def path(self) -> tuple[str, ...]:
        """Where the figure sits in the data file: group › sub › label, units left out."""
        return tuple(bare(p) for p in (self.group, self.sub, self.label) if p)

    @property
    def title(self) -> str:
        """The row's full name for messages and the CSV: ``办事服务 › 办件量（单位：件） › 总数``."""
        return " › ".join(p for p in (self.group, self.sub, self.label) if p)


def bare(label: str) -> str:
    """A label without its unit: ``注册用户数（单位：个）`` → ``注册用户数``."""
    return re.sub(r"（[^（）]*）$", "", label).strip()


def _unit(*labels: str) -> str:
    for label in labels:
        m = re.search(r"（(?:单位：)?([^（）]*)）$", label)
        if m:
            return m.group(1)
    return ""


def _rows(table: str) -> tuple[Row, ...]:
    rows, group, sub = [], "", ""
    for line in filter(None, (line.strip() for line in table.splitlines())):
        if line[0] == "[":
            group, sub = line[1:-1], ""
        elif line[0] == "{":
            sub = line[1:-1]
        else:
            key, kind, origin, label, *unit = line.split()
            rows.append(Row(key, group, sub, label, kind, origin, unit[0] if unit else _unit(label, sub, group)))
    return tuple(rows)


ROWS = _rows(_TABLE)
ROW_BY_KEY = {r.key: r for r in ROWS}
INNOVATIONS = tuple(r.label for r in ROWS if r.group == "创新发展")  # the data file lists the ticked ones


def _allowed_tree() -> dict:
    """The keys a data file may hold, as a nested dict (None marks a leaf)."""
    tree: dict = {"year": None}
    for row in ROWS:
        if row.origin == CONFIG:
            continue
        if row.group == "创新发展":
            tree["创新发展"] = None  # a list of the ticked items
            continue
        node = tree
        *parents, leaf = row.path
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = None
    tree["移动新媒体"]["其他"] = None  # channel → {名称, 信息发布量, 关注量}, checked on its own
    return tree


ALLOWED = _allowed_tree()
