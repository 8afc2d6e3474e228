"""Which blocks of a post are the article, and which are furniture around it.

Three kinds of evidence, cheapest first:

1. the shape of a block: mostly link text (link lists, "...more" teasers), a short
   line right after an image (a caption), a repeat of the title;
2. patterns every outlet shares: copyright lines, bylines, "延伸閱讀", RSS footers;
3. the archive itself: ``nlp idf build`` records blocks that recur in many posts
   (fingerprints with digits folded), which are boilerplate by definition.
"""

from __future__ import annotations

import hashlib
import re
from typing import Iterable, Sequence

from ..posts.html import Block

_PATTERNS = [
    ("copyright", r"©|\(c\)\s*\d{4}|版權所有|版权所有|copyright|all rights reserved|未經授權|未经授权|不得转载|不得轉載|转载请|轉載請"),
    ("byline", r"^[（(]?\s*(?:责任编辑|責任編輯|编辑|編輯|记者|記者|撰稿|翻译|翻譯|译者|譯者|作者|来源|來源|图片来源|圖片來源|本文来源|原文|核稿|校对|校對|审校|審校|采写|採寫|摄影|攝影|文|图|圖)\s*[：:／/|丨]"),
    ("byline", r"(?:责任编辑|責任編輯|核稿编辑|核稿編輯)\s*[：:]"),
    ("related", r"^(?:延伸閱讀|延伸阅读|相關閱讀|相关阅读|推薦閱讀|推荐阅读|相關新聞|相关新闻|相關報導|相关报道|更多報導|更多报道|热门新闻|熱門新聞|你可能也想看|猜你喜欢|猜你喜歡|閱讀更多|阅读更多|read more|related)"),
    ("footer", r"first appeared on|appeared first on|the post .{0,200} appeared|点击查看本文英文版|點擊查看本文英文版|本文英文版|原文链接|原文連結|原文網址|欢迎在twitter上关注|歡迎在twitter上關注|^(?:获取|獲取)更多\s*rss"),
    ("promo", r"订阅|訂閱|newsletter|下载.{0,6}app|下載.{0,6}app|关注我们|關注我們|facebook专页|facebook專頁|加入.{0,8}(?:频道|頻道|群组|群組)|點此|点此|点击这里|點擊這裡|扫码|掃碼|二维码|二維碼"),
    ("disclaimer", r"^本文(?:仅|僅)?(?:代表|為|为)作者(?:个人|個人)?(?:观点|觀點|意見|意见)|^(?:本文|文章)(?:观点|觀點)(?:仅|僅)?代表|不代表本(?:台|网|網|站|报|報)(?:立场|立場)"),
    ("dateline_only", r"^\(?\s*(?:更新|发布|發布|发表|發表)(?:时间|時間|日期)?\s*[：:]"),
    ("caption", r"^[（(].{0,60}(?:图|圖|照片|摄|攝|提供|资料照|資料照|photo|credit|图片|圖片|截图|截圖)[^）)]{0,30}[）)]$|(?:图片来源|圖片來源|資料照片|资料照片|路透社|法新社|美聯社|美联社|getty|afp|reuters|ap photo|epa)[^。！？]{0,30}$"),
]
_COMPILED = [(reason, re.compile(pattern, re.IGNORECASE)) for reason, pattern in _PATTERNS]
# A photo's credit closing a block, whatever the markup: （圖取自台南市政府網頁）,
# （非法海洋計畫提供）, （中央社檔案照片）, (美国之音/汤惠芸）, (此图非…现场画面),
# 中央社記者張新偉攝　109年9月26日, 右圖取自facebook.com/…  A block that ends so is the
# caption of a picture (checked on blocks shorter than 200 characters).
CREDIT = re.compile(
    r"(?:[（(](?:[^（()）]{0,40}(?:圖|图|照片|相片|(?:攝|摄)(?!氏|像|入|取|政)|提供|檔案照|档案照|資料照|资料照|取自|截圖|截图)[^（()）]{0,40}"
    r"|[^（()）/／\s\d]{1,12}\s?[/／]\s?[\u4e00-\u9fff·]{2,5})[）)]"
    r"|(?:記者|记者)\S{1,6}(?:攝|摄|傳真|传真)(?:\s*\d{2,4}年\d{1,2}月\d{1,2}日)?"
    r"|(?:圖|图)(?:片)?(?:取自|來源|来源)[：:]?\s*\S+)\s*$"
)
_TEASER = re.compile(r"(?:\.\.\.|…)\s*(?:more|更多|全文)$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[。！？!?」』”：:，,]\s*$")
_DIALOGUE = re.compile(r"[：:]\s*[“「\"]")
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def fingerprint(text: str) -> str:
    """A short hash of a block with digits folded and spaces removed."""
    folded = _SPACE.sub("", _DIGITS.sub("0", text)).lower()
    return hashlib.blake2b(folded.encode("utf-8"), digest_size=8).hexdigest()


def _normal_title(text: str) -> str:
    return _SPACE.sub("", text).lower()


def classify(block: Block, title: str = "", known: frozenset[str] = frozenset()) -> str:
    """``"text"`` for article text, ``"title"``, or the reason it is boilerplate."""
    text = block.text
    if title and _normal_title(text) == _normal_title(title):
        return "title"
    if known and fingerprint(text) in known:
        return "recurring"
    if block.caption or len(text) < 200 and CREDIT.search(text):
        return "caption"
    for reason, pattern in _COMPILED:
        limit = 120 if reason == "promo" else 200
        if reason in ("copyright", "footer", "disclaimer") or len(text) < limit:
            if pattern.search(text) and not (reason == "byline" and _DIALOGUE.search(text)):
                return reason
    if block.link_density > 0.6 and len(text) < 400:
        return "links"
    if block.after_image and len(text) < 60 and not _SENTENCE_END.search(text):
        return "caption"
    return "text"


def label_blocks(blocks: Sequence[Block], title: str = "", known: frozenset[str] = frozenset()) -> list[Block]:
    """Set each block's ``role``; once a "related" list starts, the rest is furniture."""
    tail = False
    for block in blocks:
        teaser = _TEASER.search(block.text)
        if teaser:  # "...more" link at the end of a truncated feed item
            block.text = block.text[: teaser.start()].rstrip()
        role = classify(block, title, known)
        if role == "related":
            tail = True
        block.role = "related" if tail and role == "text" else role
    if not any(b.role == "text" for b in blocks):  # a post that is only a list of links
        for block in blocks:
            if block.role == "links":
                block.role = "text"
    return list(blocks)


def recurring_fingerprints(counts: dict[str, int], docs: int, min_docs: int = 3, min_share: float = 0.002) -> set[str]:
    """Fingerprints seen in enough posts of an archive to call them boilerplate."""
    threshold = max(min_docs, int(docs * min_share))
    return {print_ for print_, count in counts.items() if count >= threshold}


def block_fingerprints(blocks: Iterable[Block]) -> set[str]:
    return {fingerprint(block.text) for block in blocks if len(block.text) >= 4}
