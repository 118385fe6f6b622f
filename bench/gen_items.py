"""Synthetic content for benchmarks: N items with realistic Chinese text in a content folder.

Items are spread over every sub-site and the columns it carries (site_config/), over ten
years, with the front matter editors write (审签人, 渠道, 主题分类, 关键词 …); about 1 % are
withheld (涉密 or 依申请公开) so the gates have work to do.  Seeded, so two runs with the
same N write the same files.  The demo's static pages and files are copied along.

    python bench/gen_items.py 10000 /tmp/bench/content
"""

from __future__ import annotations

import random
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import load_config  # noqa: E402

PLACES = ["东湖区", "南岸县", "清河市", "经开区", "综保区", "江临港", "高新区", "城北新区"]
SUBJECTS = [
    "外贸进出口",
    "社会消费品零售总额",
    "实际使用外资",
    "跨境电商交易额",
    "限上批发零售业销售额",
    "服务贸易",
    "电子商务交易额",
    "重点商贸企业营业额",
    "夜间经济消费",
    "农产品网络零售额",
]
EVENTS = [
    "外贸企业稳订单拓市场座谈会",
    "消费季启动仪式",
    "招商引资项目签约会",
    "跨境电商海外仓建设推进会",
    "商贸流通企业安全生产检查",
    "老字号品牌推介会",
    "直播电商基地授牌仪式",
    "广交会参展企业培训会",
    "县域商业体系建设现场会",
    "外资企业圆桌会议",
]
LEADERS = ["局党组书记、局长", "局党组成员、副局长", "二级调研员", "副县长", "管委会副主任"]
OPENINGS = [
    "{month}月{day}日，{place}召开{event}，{leader}出席会议并讲话。",
    "为贯彻落实全市稳外贸稳外资工作部署，{place}商务部门于{month}月{day}日组织{event}。",
    "据统计，{year}年1—{month}月，{place}{subject}达到{amount}亿元，同比增长{rate}%。",
    "{month}月{day}日上午，{event}在{place}举行，来自{count}家企业的代表参加活动。",
]
SENTENCES = [
    "会议指出，要坚持稳中求进工作总基调，推动{subject}保持平稳增长，为全市经济社会发展作出更大贡献。",
    "会议要求，各县市区、开发区要压实工作责任，建立重点企业联系服务机制，及时协调解决企业反映的困难和问题。",
    "{leader}强调，要用好用足各项支持政策，帮助企业拓展新兴市场，加快培育外贸新业态新模式。",
    "活动现场，{count}家企业与采购商达成合作意向，意向金额{amount}亿元。",
    "其中，民营企业完成{amount}亿元，增长{rate}%，占全市总量的{share}%。",
    "下一步，市商务局将持续优化营商环境，强化要素保障，推动重点项目早落地、早投产、早见效。",
    "各有关单位要按照通知要求，于{month}月{day}日前将材料报送至市商务局办公室，逾期不再受理。",
    "会上，相关科室负责人通报了上半年{subject}运行情况，分析了当前面临的形势和存在的困难。",
    "参会企业代表围绕物流成本、汇率波动、海外市场拓展等问题作了交流发言。",
    "据了解，该项目总投资{amount}亿元，建成后预计年营业收入可达{amount2}亿元，新增就业岗位{count}个。",
    "今年以来，{place}紧扣扩大内需战略，组织开展各类促消费活动{count}场次，带动消费{amount}亿元。",
    "会议还就做好安全生产、信息报送和统计监测等工作进行了安排部署。",
]
TOPICS = ["对外贸易", "国内贸易", "外商投资", "电子商务", "综合政务", "财政预算"]
GENRES = ["工作动态", "通知", "公告", "统计信息", "规划", "其他"]
CHANNELS = ["网站", "微信", "微博", "今日头条", "政务客户端"]
AUTHORS = ["周雅琴", "李明", "王志强", "陈静", "刘洋", "张丽华", "赵磊", "孙婷"]
REVIEWERS = ["陈立新", "吴建国", "郑海涛"]


def fill(template: str, rnd: random.Random, year: int, month: int, day: int) -> str:
    return template.format(
        place=rnd.choice(PLACES),
        event=rnd.choice(EVENTS),
        leader=rnd.choice(LEADERS),
        subject=rnd.choice(SUBJECTS),
        month=month,
        day=day,
        year=year,
        amount=round(rnd.uniform(0.5, 300), 1),
        amount2=round(rnd.uniform(1, 80), 1),
        rate=round(rnd.uniform(-5, 25), 1),
        share=round(rnd.uniform(20, 80), 1),
        count=rnd.randint(3, 260),
    )


def sentence_pool() -> list[str]:
    """Real sentences of the demo items' bodies: synthetic items mix these with filled
    templates, so that two synthetic items are about as alike as two real ones (the
    near-duplicate check then has realistic, not degenerate, work)."""
    pool: list[str] = []
    for file in sorted((ROOT / "content" / "items").rglob("*.md")):
        text = file.read_text(encoding="utf-8")
        body = text.split("---", 2)[-1]
        for part in re.split(r"[。\n]", body):
            part = part.strip().lstrip("#-|> ").strip()
            if 12 <= len(part) <= 160 and "|" not in part:
                pool.append(part + "。")
    return pool


POOL: list[str] = []


def item_text(n: int, rnd: random.Random, site: str, column: str, year: int) -> tuple[str, str]:
    month, day = rnd.randint(1, 12), rnd.randint(1, 28)
    hour, minute = rnd.randint(8, 18), rnd.choice((0, 15, 30, 45))
    title = (
        f"{rnd.choice(PLACES)}{rnd.choice(EVENTS)}（第{n}期）"
        if rnd.random() < 0.6
        else f"{year}年1—{month}月{rnd.choice(PLACES)}{rnd.choice(SUBJECTS)}同比增长{round(rnd.uniform(1, 20), 1)}%"
    )
    paragraphs = [fill(rnd.choice(OPENINGS), rnd, year, month, day)]
    for _ in range(rnd.randint(2, 6)):
        sentences = [rnd.choice(POOL) for _ in range(rnd.randint(2, 4))] if POOL else []
        sentences.insert(rnd.randrange(len(sentences) + 1), fill(rnd.choice(SENTENCES), rnd, year, month, day))
        paragraphs.append("".join(sentences))
    withheld = ""
    roll = rnd.random()
    if roll < 0.005:
        withheld = "classified: true\n"
    elif roll < 0.01:
        withheld = "disclosure: 依申请公开\n"
    channels = ", ".join(rnd.sample(CHANNELS, rnd.randint(1, 3)))
    tags = "、".join(rnd.sample(SUBJECTS, 2))
    meta = (
        f"---\ntitle: {title}\ndate: {year}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}\nsite: {site}\ncolumn: "
        f"{column}\nauthor: {rnd.choice(AUTHORS)}\nreviewer: {rnd.choice(REVIEWERS)}\nchannels: [{channels}]\ntopic: "
        f"{rnd.choice(TOPICS)}\ngenre: {rnd.choice(GENRES)}\ntags: {tags}\n{withheld}---\n"
    )
    slug = f"{year}-{month:02d}-{day:02d}-gen-{n:06d}"
    return slug, meta + "\n\n".join(paragraphs) + "\n"


def generate(n_items: int, out: Path, years: int = 10, last_year: int = 2026, seed: int = 7) -> Path:
    """Write ``out/items/**`` (N items) and copy the demo's pages/ and files/; return ``out``."""
    config = load_config(ROOT / "site_config")
    slots = [(s.id, c) for s in config.sites for c in s.columns]
    rnd = random.Random(seed)
    if not POOL:
        POOL.extend(sentence_pool())
    if out.exists():
        shutil.rmtree(out)
    for extra in ("pages", "files"):
        if (ROOT / "content" / extra).is_dir():
            shutil.copytree(ROOT / "content" / extra, out / extra)
    for n in range(n_items):
        site, column = slots[n % len(slots)]
        year = last_year - rnd.randrange(years)
        slug, text = item_text(n, rnd, site, column, year)
        folder = out / "items" / site / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{slug}.md").write_text(text, encoding="utf-8")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("用法：python bench/gen_items.py 条目数 输出目录")
    target = generate(int(sys.argv[1]), Path(sys.argv[2]))
    print(f"已生成 {sys.argv[1]} 条合成条目到 {target}/items/")
