"""Count the keyword and summary defects a news editor notices, over an enriched folder.

    python scripts/eval_news.py ENRICHED_DIR [--show 20] [--summary-key summary] [--keywords-key keywords]

Reads what ``nlp enrich`` wrote (front matter keywords and summary) next to the post's
own title and body, and counts these classes (issue 13):

keywords
  fragment  a piece of a longer unit: a non-dictionary term whose every occurrence
            (at least two) has the same content character on one side (阿旺益|西), or
            a phrase always between the same two characters (台湾|岸外西南|空域);
            a term with a preposition or a one-character verb glued to an end
            (努钦称, 驻成都, 药厂于); a multi-word term that leads with a verb or ends
            in a verb, adverb or adjective (认识珊瑚礁, 排进正式, 首位离任);
  nested    contained in, overlapping by two or more characters, or equal to (in
            Simplified script) a better-ranked keyword of the same post;
  time      a time word (周日, 今天, 去年, 3月, 2020年);
  number    a bare number or count (12, 十五, 三成, 15国, 3000元);
  generic   a single word that jieba's dictionary calls a verb, adjective, adverb,
            numeral or measure word (攻破, 下降, 新增, 确诊, 累计), or a generic count
            or measure noun (价格, 整数, 同比, 数量): what happened to the topic, or how
            much, not the topic.  This judge is stricter than the extractor, which keeps
            a verb the text uses as an event (这场罢工) or a rare one (偷猎).
summaries
  glued     a sentence of the summary that no single block of the post holds
            (two blocks run together), or a full stop right after a pause mark (、。 ：。:
            a block that broke off mid-list, closed by the joiner);
  repeat    two sentences of the summary that say the same: character-bigram Dice ≥ 0.6,
            or one run of 12 characters or more, 8 of them Chinese (a clause, a quote,
            not a product name), in both;
  caption   a sentence of the summary is (part of) an image's caption or credit: the
            text of an <img>'s alt or title, a <figcaption>, an element whose class names
            a caption (picinfo, wp-caption-text), or <small> text right under an image,
            that the rest of the post does not say too;
            or the summary holds a photo credit (圖取自…, （…提供）, 記者…攝) or a
            position marker (（左）, （右2）, （中）);
  opener    the summary opens with a greeting (大家好…), a caption or credit, a
            connective or pronoun that needs the sentence before it (一方面, 此外, 他…),
            or a heading, or a bare list of names (田宝昌、田长青、田丰、…); or a bracket
            or quote pair is left open or closed unopened.

A keyword or summary with several defects counts once in the total rate.  These rules
are the evaluator's own; the extractor does not import them.  Prints one JSON line;
``--show N`` prints up to N examples of each class on stderr, to read.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections import Counter, defaultdict
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.analysis.segment import JiebaSegmenter  # noqa: E402
from nlp.errors import PostError  # noqa: E402
from nlp.posts.html import extract_blocks  # noqa: E402
from nlp.posts.post import read_post  # noqa: E402
from nlp.text import split_sentences, to_simplified  # noqa: E402

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Characters that sit next to any word without making a unit with it.
_LOOSE = set("的地得了着过在是和与及或而被把将对从向于为以也都就还又并但且之其这那此该各每有无不没很最更所等"
             "说称表示指谈问道曰上下中里内外前后间时年月日号个位名次家种")
_LEAD = set("驻在于对向从与和及据被把将让给由赴访抵遭经当距")
_TAIL = set("称说谈指问道驻赴访抵上下中里内外时后前间等于在向对给与和及的了着过被将")
# A noun phrase does not lead with a verb, preposition, pronoun or particle
# (认识珊瑚礁), end in a verb after a non-noun (首位离任), nor end in an adjective,
# adverb or particle (排进正式); noun + verb stays (疫情防控: jieba tags many
# nominal verbs as plain verbs).
_PHRASE_START = {"p", "c", "r", "u", "uj", "ul"}
_PHRASE_END = {"a", "ad", "d", "p", "c", "u", "uj", "ul", "f", "m", "q", "r", "vd"}
_TIME = re.compile(
    r"^(?:(?:周|星期|礼拜)[一二三四五六日天末]|[今昨明前后当每本](?:天|日|年|晚|早|夜|周|月)|"
    r"(?:上|下|本|这|那)(?:周|月|个月|星期|季度|半年)|去年|前年|明年|后年|年初|年中|年底|年末|月初|月中|月底|"
    r"目前|现在|当时|当前|近日|日前|近期|近来|近年|今后|此前|此后|之前|之后|以前|以后|同期|同时|当天|当日|"
    r"上午|下午|中午|晚上|早上|早晨|凌晨|傍晚|夜间|深夜|周末|平日|最近|刚才|如今|未来|过去|"
    r"[\d０-９一二三四五六七八九十百千万亿两零〇.,，:：%％\-]+(?:年代?|月份?|日|号|时|点|分|秒|周|天|世纪|岁|个月)?)$"
)
_GREETING = re.compile(r"^(?:各位|大家好|欢迎收看|欢迎收听|欢迎来到|欢迎回到|听众朋友|观众朋友|亲爱的|这里是|您现在(?:收看|收听))")
_CAPTION = re.compile(r"^[（(【\[]?\s*(?:图|图片|照片|图为|资料照|资料图|视频|影片|摄影|截图|来源|photo|credit)\s*[：:／/|丨]|^图为|^(?:图|照片)[（(]", re.I)
_ANAPHOR = re.compile(
    r"^(?:一方面|另一方面|此外|另外|同时|而且|并且|但是|但|然而|不过|因此|所以|因而|于是|对此|其中|与此同时|"
    r"除此之外|至于|总之|换言之|也就是说|这|那些|那个|此|该|他|她|它|其|而|并|且|还有|再者|则|即便如此)"
)
# Opening and closing marks (a full-width and an ASCII bracket close each other).
_PAIRS = [("“", "”"), ("「", "」"), ("『", "』"), ("（(", "）)"), ("《", "》"), ("【", "】")]
_END = re.compile(r"[。！？!?…\.][」』”’）)]*\s*$")
_PAUSE_STOP = re.compile(r"[、，,；;：:]\s*[。.](?!\d)")  # 田玉琴、。  如下：。
_NAME_LIST = re.compile(r"(?:[\u4e00-\u9fff·]{1,4}[、，]\s*){4,}[\u4e00-\u9fff·]{0,4}[、，。…]*")
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"^(?:[\d０-９.,，%％]+|第?[零〇一二三四五六七八九十百千万亿两]+)[余多]?"
                     r"[成倍个位名人次件宗例起家所座台部只头条张届期国强项轮场波艘架辆元]?$"
                     r"|^[数几多半][十百千万亿]*[个名人次件宗例起家届国项]?$")
_GENERIC_TAGS = {"v", "vd", "vi", "vq", "a", "ad", "ag", "d", "m", "mq", "q", "p", "c", "r", "u"}
_COUNT_NOUNS = set("价格 整数 同比 环比 数量 人数 比例 数字 总数 数据 金额 幅度 比重 总量 次数 单价 均价 增幅 跌幅 涨幅".split())
_IMG_TEXT = re.compile(r"<img\b[^>]*?\b(?:alt|title)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", re.I)
_CAPTION_ELEMENT = re.compile(
    r"<(figcaption|small)\b[^>]*>(.*?)</\1>|<(\w+)\b[^>]*class\s*=\s*[\"'][^\"']*(?:caption|picinfo)[^\"']*[\"'][^>]*>(.*?)</\3>",
    re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
_SEE_PICTURE = re.compile(r"[（(](?:见|見|如|详见|詳見)?(?:图|圖)[一二三\d]?[）)]")
_PHOTO_TEXT = re.compile(
    r"(?:圖|图)(?:片)?(?:取自|来源|來源)|[（(][^（()）]{0,40}(?:提供|(?:攝|摄)(?!氏|像|入|取|政)|档案照|檔案照|资料照|資料照)[）)]"
    r"|(?:记者|記者)\S{1,6}(?:攝|摄|传真|傳真)|[（(](?:前排|后排|後排)?[左右](?:[一二三四五六七八九十\d]{1,2}|起)?[）)]|[（(]中[）)]")


def simplified(text: str) -> str:
    return to_simplified(text)


class Judge:
    def __init__(self) -> None:
        self.words = JiebaSegmenter(hmm=False)

    def is_word(self, term: str) -> bool:
        return self.words.tag(term) is not None

    # keywords ---------------------------------------------------------------------------
    def fragment(self, key: str, text: str) -> str | None:
        """Why ``key`` (Simplified) is a fragment of ``text`` (Simplified), or None."""
        if not _CJK.search(key) or len(key) < 2 or self.is_word(key):
            return None
        left, right, count, start = Counter(), Counter(), 0, text.find(key)
        raw: set[tuple[str | None, str | None]] = set()  # the characters on both sides
        while start >= 0:
            count += 1
            end = start + len(key)
            before = text[start - 1] if start else " "
            after = text[end] if end < len(text) else " "
            raw.add(tuple(c if _CJK.match(c) and c not in _LOOSE else None for c in (before, after)))
            # A dictionary word right next to the term is a clean boundary (登卓寺|僧侣).
            if any(self.is_word(text[max(0, start - n) : start]) for n in (2, 3, 4) if start >= n):
                before = " "
            if any(self.is_word(text[end : end + n]) for n in (2, 3, 4)):
                after = " "
            left[before if _CJK.match(before) and before not in _LOOSE else None] += 1
            right[after if _CJK.match(after) and after not in _LOOSE else None] += 1
            start = text.find(key, start + len(key))
        if count >= 2:
            for side, seen in (("left", left), ("right", right)):
                if len(seen) == 1 and None not in seen:
                    return f"always {next(iter(seen))!r} on the {side}"
            if len(raw) == 1 and None not in next(iter(raw)) and len(self.words.cut(key)) >= 2:
                return "a phrase always between {!r} and {!r}".format(*next(iter(raw)))
        # ... unless that character ends or starts a word (成都, 会谈; 访问 is judged below).
        if len(key) >= 3 and key[-1] in _TAIL and not self.is_word(key[-2:]):
            return f"ends with {key[-1]!r}"
        if len(key) >= 3 and key[0] in _LEAD and not self.is_word(key[:2]):
            return f"starts with {key[0]!r}"
        words = self.words.cut(key)
        if len(words) >= 2 and all(len(w) >= 2 for w in words):  # a phrase, not a new word (网红)
            first, last = self.words.tag(words[0]), self.words.tag(words[-1])
            if first in _PHRASE_START or (first or "").startswith("v") and first != "vn":
                return f"leads with {words[0]!r} ({first})"
            if last in _PHRASE_END or (last or "").startswith("v") and last != "vn" and not (first or "x").startswith("n"):
                return f"ends in {words[-1]!r} ({last})"
        return None

    @staticmethod
    def nested(key: str, better: list[str]) -> str | None:
        low = key.lower()
        for other in better:
            o = other.lower()
            if low == o or low in o or o in low:
                return f"inside {other!r}" if low in o else f"holds {other!r}"
            for n in range(min(len(low), len(o)) - 1, 1, -1):
                if low.endswith(o[:n]) or o.endswith(low[:n]):
                    return f"overlaps {other!r}"
        return None

    @staticmethod
    def time(key: str) -> bool:
        return bool(_TIME.match(key.replace(" ", ""))) and not Judge.number(key)

    @staticmethod
    def number(key: str) -> bool:
        return bool(_NUMBER.match(key.replace(" ", "")))

    def generic(self, key: str) -> str | None:
        """Why ``key`` (Simplified) is a generic single word, or None."""
        if key in _COUNT_NOUNS:
            return "a count or measure noun"
        tag = self.words.tag(key)
        if tag in _GENERIC_TAGS and not self.number(key):
            return f"a single {tag}"
        return None

    @staticmethod
    def captions(body: str) -> list[str]:
        """The caption texts of a post's HTML, spaces removed (the judge's own reading)."""
        out = [a or b for a, b in _IMG_TEXT.findall(body)]
        for match in _CAPTION_ELEMENT.finditer(body):
            out.append(match.group(2) if match.group(1) else match.group(4))
        texts = [_SPACE.sub("", html.unescape(_TAG.sub("", text))) for text in out]
        return [text for text in texts if len(text) >= 8]

    @staticmethod
    def uncaptioned(body: str) -> str:
        """The post's visible text without its captions and alt texts, spaces removed."""
        text = _CAPTION_ELEMENT.sub(" ", body)
        return _SPACE.sub("", html.unescape(_TAG.sub(" ", text)))

    @staticmethod
    def caption(summary: str, captions: list[str], rest: str = "") -> str | None:
        """A photo credit or marker in the summary, or a sentence of it that a caption
        holds and the rest of the post does not (a lead that a caption repeats is news)."""
        photo = _PHOTO_TEXT.search(summary)
        if photo:
            return f"holds {photo.group()!r}"
        for sentence in split_sentences(summary):
            piece = _SPACE.sub("", sentence)
            if len(piece) >= 10 and piece not in rest \
                    and any(piece in c or (c in piece and len(c) >= 0.6 * len(piece)) for c in captions):
                return f"a caption: {sentence.strip()[:60]}"
        return None

    # summaries --------------------------------------------------------------------------
    @staticmethod
    def glued(summary: str, blocks: list[str]) -> list[str]:
        """Sentences of the summary that no single block holds, though they begin and
        end with text of the post (an abstractive sentence is not judged)."""
        out = [m.group() for m in _PAUSE_STOP.finditer(summary)]
        for sentence in split_sentences(summary):
            piece = _SEE_PICTURE.sub("", _SPACE.sub("", sentence))
            if len(piece) < 12 or any(piece in b for b in blocks):
                continue
            if any(piece[:6] in b for b in blocks) and any(piece[-6:] in b for b in blocks):
                out.append(sentence)
        return out

    @staticmethod
    def repeats(summary: str) -> list[tuple[str, str]]:
        sentences = [s.strip() for s in split_sentences(summary) if len(s.strip()) >= 6]
        grams = [Counter(s[i : i + 2] for i in range(len(s) - 1)) for s in sentences]
        out = []
        for i in range(len(sentences)):
            for j in range(i):
                common = sum((grams[i] & grams[j]).values())
                dice = 2 * common / max(1, sum(grams[i].values()) + sum(grams[j].values()))
                a, b = _SPACE.sub("", sentences[j]), _SPACE.sub("", sentences[i])
                match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match()
                run = a[match.a : match.a + match.size]
                if dice >= 0.6 or (len(run) >= 12 and len(_CJK.findall(run)) >= 8):  # not a name said twice
                    out.append((sentences[j], sentences[i]))
        return out

    @staticmethod
    def opener(summary: str, headings: set[str]) -> str | None:
        text = summary.strip()
        if _GREETING.match(text):
            return "greeting"
        if _CAPTION.match(text):
            return "caption"
        if _ANAPHOR.match(text):
            return "needs the sentence before"
        first = split_sentences(text)[0].strip() if text else ""
        if first in headings and not _END.search(first):
            return "heading"
        if _NAME_LIST.fullmatch(first):
            return "a bare list"
        for opening, closing in _PAIRS:
            depth = 0
            for char in text:
                if char in opening:
                    depth += 1
                elif char in closing:
                    depth -= 1
                    if depth < 0:
                        return f"closes {char} unopened"
            if depth > 0:
                return f"leaves {opening[0]} open"
        return None


def as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[,，]", value) if v.strip()]
    return [str(v) for v in value]


def evaluate(folder: Path, summary_key: str = "summary", keywords_key: str = "keywords", show: int = 0) -> dict:
    judge = Judge()
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)

    def note(kind: str, path: Path, what: str) -> None:
        counts[kind] += 1
        if len(examples[kind]) < show:
            examples[kind].append(f"{path.name}: {what}")

    posts = keywords = summaries = bad_keywords = bad_summaries = 0
    for path in sorted(folder.rglob("*.md")):
        if path.name.count(".") > 1:  # translated siblings (NAME.en.md)
            continue
        try:
            post = read_post(path)
        except PostError:
            continue
        blocks = [b for b in extract_blocks(post.body)]
        # a reference to a picture (（见图）) left out of a summary sentence is no gluing
        block_texts = [_SEE_PICTURE.sub("", _SPACE.sub("", b.text)) for b in blocks]
        headings = {b.text.strip() for b in blocks if b.tag in ("h1", "h2", "h3", "h4", "h5", "h6")}
        text = simplified(post.title + "\n" + "\n".join(b.text for b in blocks))
        posts += 1
        chosen: list[str] = []
        for keyword in as_list(post.meta.get(keywords_key)):
            keywords += 1
            key = simplified(keyword)
            found = []
            why = judge.fragment(key, text)
            if why:
                found.append(("kw_fragment", f"{keyword} — {why}"))
            why = judge.nested(key, chosen)
            if why:
                found.append(("kw_nested", f"{keyword} — {why}"))
            if judge.time(key):
                found.append(("kw_time", keyword))
            if judge.number(key):
                found.append(("kw_number", keyword))
            why = judge.generic(key)
            if why:
                found.append(("kw_generic", f"{keyword} — {why}"))
            for kind, what in found:
                note(kind, path, what)
            bad_keywords += bool(found)
            chosen.append(key)
        summary = post.meta.get(summary_key)
        if isinstance(summary, str) and summary.strip():
            summaries += 1
            found = []
            for sentence in judge.glued(summary, block_texts):
                found.append(("sum_glued", sentence))
            for a, b in judge.repeats(summary):
                found.append(("sum_repeat", f"{a} ≈ {b}"))
            why = judge.opener(summary, headings)
            if why:
                found.append(("sum_opener", f"{why}: {summary[:80]}"))
            why = judge.caption(summary, judge.captions(post.body), judge.uncaptioned(post.body))
            if why:
                found.append(("sum_caption", why))
            for kind, what in found:
                note(kind, path, what)
            bad_summaries += bool(found)
    if show:
        for kind in sorted(examples):
            print(f"## {kind} ({counts[kind]})", file=sys.stderr)
            for line in examples[kind]:
                print("  " + line, file=sys.stderr)
    return {
        "folder": str(folder),
        "posts": posts,
        "keywords": keywords,
        "keyword_defect_rate": round(bad_keywords / max(1, keywords), 4),
        "keyword_defects": {k: counts[f"kw_{k}"] for k in ("fragment", "nested", "time", "number", "generic")},
        "summaries": summaries,
        "summary_defect_rate": round(bad_summaries / max(1, summaries), 4),
        "summary_defects": {k: counts[f"sum_{k}"] for k in ("glued", "repeat", "opener", "caption")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--summary-key", default="summary")
    parser.add_argument("--keywords-key", default="keywords")
    parser.add_argument("--show", type=int, default=0, help="print up to N examples of each class on stderr")
    args = parser.parse_args()
    if not args.folder.is_dir():
        parser.error(f"{args.folder}: not a folder")
    print(json.dumps(evaluate(args.folder, args.summary_key, args.keywords_key, args.show), ensure_ascii=False))


if __name__ == "__main__":
    main()
