"""check-faq on the new parts officers edit: synonyms, referrals, scope and topic kinds.

Every finding is located to the line and column of what is wrong, with the exact message.
"""

from __future__ import annotations

import io
from pathlib import Path

from knowledge.cli_check import check_faq_main
from knowledge.faq import check_faq_bytes, check_synonyms_bytes
from knowledge.model import Severity
from knowledge.normalize import Synonyms

FIXTURES = Path(__file__).resolve().parent / "faq_fixtures"
VALID = (FIXTURES / "valid_faq.yaml").read_text(encoding="utf-8")


def messages(data: str, name: str = "synonyms.yaml") -> list[str]:
    _, findings = check_synonyms_bytes(data.encode(), name)
    return [str(f) for f in findings]


def test_valid_synonyms_load_folded() -> None:
    table, findings = check_synonyms_bytes(
        'synonyms:\n  hội nghị: ["cuộc họp", "meeting"]\n'.encode(), "s.yaml"
    )
    assert findings == [] and table is not None
    assert table.mapping == {"cuoc hop": "hoi nghi", "meeting": "hoi nghi"}


def test_a_variant_under_two_canonical_phrases_is_an_error_at_its_line() -> None:
    data = 'synonyms:\n  hội nghị: ["cuộc họp"]\n  phiên làm việc: ["cuộc họp"]\n'
    assert messages(data) == [
        "synonyms.yaml:3:20: cách nói 'cuộc họp' của 'phiên làm việc' đã thuộc từ chuẩn "
        "'hội nghị' tại dòng 2; mỗi cách nói chỉ thuộc một từ chuẩn"
    ]


def test_a_variant_that_is_another_canonical_phrase_is_an_error() -> None:
    data = 'synonyms:\n  hội nghị: ["cuộc họp"]\n  phiên họp: ["hội nghị"]\n'
    assert messages(data) == [
        "synonyms.yaml:3:15: cách nói 'hội nghị' của 'phiên họp' là từ chuẩn của nhóm tại "
        "dòng 2; một từ không thể vừa là từ chuẩn vừa là cách nói của từ khác"
    ]


def test_a_variant_equal_to_its_canonical_phrase_is_a_warning() -> None:
    _, findings = check_synonyms_bytes('synonyms:\n  hội nghị: ["hoi nghi"]\n'.encode(), "s")
    assert [(f.line, f.column, f.severity) for f in findings] == [(2, 14, Severity.WARNING)]


def test_a_synonym_file_that_is_not_a_mapping_of_lists_is_reported() -> None:
    """In the synonyms' own words: they were reported as abbreviations ("cách viết đầy đủ",
    "từ viết tắt"; found by a newcomer)."""
    assert messages("synonyms:\n  hội nghị: cuộc họp\n  trụ sở: []\n") == [
        "synonyms.yaml:2:13: cách nói đồng nghĩa của 'hội nghị' phải là danh sách, không phải "
        "chuỗi văn bản; hãy viết ['cuộc họp']",
        "synonyms.yaml:3:11: từ chuẩn 'trụ sở' chưa có cách nói đồng nghĩa nào",
    ]
    assert messages("- a\n")[0].startswith("synonyms.yaml:1:1: cấp ngoài cùng")


def test_a_synonym_that_makes_two_entries_equal_is_a_warning_in_the_faq() -> None:
    synonyms = Synonyms({"lam can cuoc": "hoi nghi to chuc"})
    faq, findings = check_faq_bytes(VALID.encode(), "faq.yaml", synonyms)
    assert faq is not None  # a warning: the FAQ still loads
    assert [str(f) for f in findings] == [
        "faq.yaml:34:15: warning: câu 'Làm căn cước ở đâu?' của mục 'lam-cccd' trở nên giống "
        "hệt 'Hội nghị tổ chức ở đâu?' của mục 'hoi-nghi-o-dau' tại dòng 11 khi thay từ đồng "
        "nghĩa ('hoi nghi to chuc o dau'); trợ lý sẽ khó phân biệt hai mục này"
    ]
    _, without = check_faq_bytes(VALID.encode(), "faq.yaml")
    assert without == []


REFERRALS = """
referrals:
  - id: chung
    default: true
    phrasings: []
    reply: "Hỏi cơ quan có thẩm quyền."
  - id: lien-he
    phrasings: ["số điện thoại"]
    reply: "Không có số điện thoại."
    related: [khong-co]
"""


def faq_messages(extra: str) -> list[str]:
    _, findings = check_faq_bytes((VALID + extra).encode(), "faq.yaml")
    return [str(f) for f in findings if f.severity is Severity.ERROR]


def line_of(extra: str, needle: str) -> int:
    return (VALID + extra).splitlines().index(needle) + 1


def test_referrals_load_and_name_entries_that_exist() -> None:
    good = REFERRALS.replace("[khong-co]", "[lam-cccd]")
    faq, findings = check_faq_bytes((VALID + good).encode(), "faq.yaml")
    assert faq is not None, findings
    assert [r.id for r in faq.referrals] == ["chung", "lien-he"]
    assert faq.default_referral is not None and faq.default_referral.id == "chung"
    line = line_of(REFERRALS, "    related: [khong-co]")
    assert faq_messages(REFERRALS) == [
        f"faq.yaml:{line}:15: mục liên quan 'khong-co' của mục 'lien-he' không tồn tại"
    ]


def test_referrals_need_exactly_one_default() -> None:
    none = REFERRALS.replace("    default: true\n", "").replace("[khong-co]", "[lam-cccd]")
    line = line_of(none, "referrals:")
    assert faq_messages(none) == [
        f"faq.yaml:{line}:1: danh sách 'referrals' cần đúng một hướng dẫn có 'default: true' "
        "(dùng khi người dân hỏi thủ tục mà không hướng dẫn nào khớp)",
        # only the default referral may have no phrasings
        f"faq.yaml:{line + 2}:16: trường 'phrasings' trong hướng dẫn 'chung' là danh sách trống",
    ]
    two = REFERRALS.replace("  - id: lien-he\n", "  - id: lien-he\n    default: true\n")
    two = two.replace("[khong-co]", "[lam-cccd]")
    found = faq_messages(two)
    assert len(found) == 1 and "chỉ được một hướng dẫn có 'default: true'" in found[0]
    bad = REFERRALS.replace("default: true", "default: có").replace("[khong-co]", "[lam-cccd]")
    assert any("phải là true hoặc false" in m for m in faq_messages(bad))


def test_scope_numbers_must_be_numbers_and_topic_kinds_known() -> None:
    scope = '\nscope:\n  covers: "Hội nghị"\n  numbers: ["16/7", "bảy"]\n'
    line = line_of(scope, '  numbers: ["16/7", "bảy"]')
    assert faq_messages(scope) == [
        f"faq.yaml:{line}:21: 'bảy' trong 'numbers' phải là số hoặc ngày (ví dụ 2020, 16/7)"
    ]
    kinded = VALID.replace(
        "    title: Thủ tục hành chính\n", "    title: Thủ tục\n    kind: robot\n"
    )
    _, findings = check_faq_bytes(kinded.encode(), "faq.yaml")
    assert [str(f) for f in findings if f.severity is Severity.ERROR] == [
        "faq.yaml:7:11: loại chủ đề 'robot' không hợp lệ; các loại hợp lệ: article, bot"
    ]


def test_bot_topics_need_no_source_and_article_topics_do() -> None:
    bot_topic = VALID.replace(
        "    title: Thủ tục hành chính\n", "    title: Thủ tục\n    kind: bot\n"
    )
    no_source = bot_topic.replace("    source: Luật Căn cước 2023, Điều 27\n", "")
    faq, findings = check_faq_bytes(no_source.encode(), "faq.yaml")
    assert faq is not None and faq.by_id["lam-cccd"].about_bot, findings
    missing = VALID.replace("    source: Luật Căn cước 2023, Điều 27\n", "")
    _, findings = check_faq_bytes(missing.encode(), "faq.yaml")
    assert any("thiếu trường bắt buộc 'source'" in f.message for f in findings)


def test_check_faq_reports_a_broken_synonyms_file_to_the_line(tmp_path: Path) -> None:
    broken = tmp_path / "synonyms.yaml"
    broken.write_text('synonyms:\n  hội nghị: ["cuộc họp", ""]\n', encoding="utf-8")
    out = io.StringIO()
    status = check_faq_main(None, None, str(broken), out=out)
    assert status == 1
    assert f"{broken}:2:26: cách nói thứ 2 của 'hội nghị' đang trống" in out.getvalue()
