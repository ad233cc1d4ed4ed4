"""Issue 9 on the built site: every Check is recorded (IndexedDB and the downloaded file), feedback never
shows the key, and the autograder's attempt penalty applies to the file the browser downloaded. Issue 11:
the downloaded report holds the student's work and every chart on the page as an image."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from html.parser import HTMLParser

import interactions as ix
import pagekit
from guard import Guarded

LAB_ID = "00_hello_roofline"
# the text description of every chart drawn on the page (marimo puts some inside shadow roots), in page order
_CHART_LABELS_JS = """() => {
  const out = [];
  (function walk(root) {
    for (const el of root.querySelectorAll('*')) {
      if (el.matches('.vega-embed [role=graphics-document]')) out.push(el.getAttribute('aria-label'));
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  })(document);
  return out;
}"""
STUDENT = "grace.hopper@uni.edu"


def test_checks_are_recorded_and_graded_from_the_download(browser, server):
    from mlsys_labs.catalog import get_lab
    from mlsys_labs.grading import grade_submission
    from mlsys_labs.submission import validate_submission
    from mlsys_labs.variants import make_variant

    lab = get_lab(LAB_ID)
    variant = make_variant(lab, STUDENT)
    n, q = next((i, qq) for i, qq in enumerate(lab.questions, 1) if qq.kind == "quantity")
    right = lab.key_answers(variant, digits=4)[q.id]
    num, _, unit = right.partition(" ")
    wrong = f"{float(num) * 3:.6g} {unit}".strip()
    g = Guarded(browser, server.url)
    try:
        page = g.new_page()
        page.goto(server.url + f"labs/{LAB_ID}.html")
        pagekit.wait_interactive(page)
        ix.set_student(page, STUDENT)
        ix.choose_prediction(page)
        ix.wait_questions(page, len(lab.questions))
        line = ix.answer_and_check(page, n, wrong)
        assert line.endswith("not yet: too high"), line  # a direction only: no percentage, no expected value
        assert num not in line
        assert "✅ right" in ix.answer_and_check(page, n, right)
        _, data = ix.download_submission(page)
        stored = json.loads(ix.read_store(page))
        labels = page.evaluate(_CHART_LABELS_JS)
        report_name, report = ix.download_submission(page, label="Download report")
    finally:
        g.close()
    _check_report(report_name, report.decode("utf-8"), labels, right)
    doc = json.loads(data)
    assert [(a["question"], a["answer"], a["correct"]) for a in doc["attempts"]] == [
        (q.id, wrong, False), (q.id, right, True)]
    assert all(a["time"].endswith("Z") for a in doc["attempts"])
    entry = next(e for e in stored["entries"].values() if e["lab"] == LAB_ID)
    assert [a["answer"] for a in entry["attempts"]] == [wrong, right]  # IndexedDB holds the same record
    sub = validate_submission(data)
    plain = grade_submission(sub, lab)
    penalised = grade_submission(sub, lab, attempt_penalty=0.25)
    assert plain.feedback[q.id].score == q.points
    assert penalised.feedback[q.id].score == q.points * 0.75
    assert plain.attempts[q.id].wrong_before_right == 1


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.scripts = [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.scripts += tag == "script"
        if tag == "img":
            self.images.append(a)


def _png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, the inflated image data) of a PNG file, by its chunks (no imaging library)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, size = 8, b"", (0, 0)
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    return size[0], size[1], zlib.decompress(idat)


def _check_report(name: str, doc: str, labels: list[str], answer: str) -> None:
    assert name == f"{LAB_ID}__grace.hopper_uni.edu__report.html"
    p = _Images()
    p.feed(doc)
    assert p.scripts == 0 and f"<td>{answer}</td>" in doc and ">right<" in doc and "(none made)" not in doc
    assert labels, "the lab page drew no chart"
    assert [i.get("alt") for i in p.images] == labels  # one image per chart on the page, in order, described
    for img in p.images:
        assert img["src"].startswith("data:image/png;base64,"), img["src"][:40]
        w, h, pixels = _png_pixels(base64.b64decode(img["src"].split(",", 1)[1]))
        assert w >= 200 and h >= 100, (w, h)
        assert len(set(pixels)) > 16, "the chart image is blank"
