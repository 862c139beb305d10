"""Every message the FAQ and abbreviation checks show to officers, in one place.

Officers edit ``faq.yaml`` and ``abbreviations.yaml`` by hand, so the checks speak Vietnamese
and keep YAML's own technical words (mapping, anchor, alias, tab, UTF-8) where an officer
would look them up. Each text is a ``str.format`` template; change the words freely, keep
the ``{placeholders}``. Locations (``file:line:column:``) are added by the checker.
"""

from __future__ import annotations

# -- reading the file ---------------------------------------------------------------------
FILE_MISSING = "không tìm thấy tệp"
FILE_IS_DIRECTORY = "đây là thư mục, không phải tệp"
FILE_UNREADABLE = "không đọc được tệp: {reason}"
FILE_TOO_LARGE = "tệp lớn hơn giới hạn {limit_mb} MB; hãy tách bớt nội dung"
NOT_UTF8 = (
    "tệp không phải mã hóa UTF-8 (byte 0x{byte:02X} không hợp lệ); "
    "hãy lưu lại tệp với mã hóa UTF-8"
)
TAB_INDENT = "thụt lề bằng ký tự tab; YAML chỉ cho phép thụt lề bằng dấu cách"
BAD_CHARACTER = "ký tự không được phép U+{code:04X} (ký tự điều khiển); hãy xóa ký tự này"
YAML_SYNTAX = "lỗi cú pháp YAML: {problem}"
YAML_SYNTAX_CONTEXT = "lỗi cú pháp YAML: {problem} ({context}, bắt đầu tại dòng {line})"
YAML_SYNTAX_HINTED = "lỗi cú pháp YAML: {hint} [{problem}]"
YAML_SYNTAX_HINTED_CONTEXT = (
    "lỗi cú pháp YAML: {hint} [{problem}; {context}, bắt đầu tại dòng {line}]"
)
# PyYAML's English problem (its beginning) -> what an officer should do about it.
YAML_HINTS = {
    "mapping values are not allowed here": (
        "có dấu ':' không đúng chỗ; chuỗi chứa ': ' phải đặt trong dấu ngoặc kép"
    ),
    "found unexpected end of stream": "tệp kết thúc khi dấu ngoặc kép chưa được đóng",
    "found unexpected end of document": "tệp kết thúc khi dấu ngoặc kép chưa được đóng",
    "expected <block end>": "thụt lề không khớp với các dòng phía trên",
    "could not find expected ':'": "thiếu dấu ':' sau khóa, hoặc thụt lề sai",
    "expected ',' or ']'": "danh sách [...] chưa được đóng hoặc thiếu dấu phẩy",
    "expected ',' or '}'": "mapping {...} chưa được đóng hoặc thiếu dấu phẩy",
    "but found another document": "tệp chỉ được có một tài liệu YAML; hãy xóa dòng '---' thừa",
    "found character '@' that cannot start any token": (
        "chuỗi bắt đầu bằng '@' phải đặt trong dấu ngoặc kép"
    ),
    "found character '`' that cannot start any token": (
        "chuỗi bắt đầu bằng '`' phải đặt trong dấu ngoặc kép"
    ),
}
TOO_DEEP = "cấu trúc lồng nhau quá sâu (hơn {limit} cấp)"
ANCHOR = (
    "không cho phép anchor YAML '&{name}' (chống bom alias 'billion laughs'); "
    "hãy viết trực tiếp nội dung"
)
ALIAS = "không cho phép alias YAML '*{name}'; hãy viết trực tiếp nội dung"
EMPTY_FILE = "tệp trống"

# -- structure ------------------------------------------------------------------------------
KIND_MAPPING = "mapping"
KIND_LIST = "danh sách"
KIND_TEXT = "chuỗi văn bản"
KIND_EMPTY = "giá trị trống"
KIND_NUMBER = "số"
KIND_BOOLEAN = "giá trị đúng/sai"

TOP_NOT_MAPPING = "cấp ngoài cùng của tệp phải là mapping với các khóa {keys}, không phải {kind}"
WHERE_TOP = "cấp ngoài cùng của tệp"
WHERE_ENTRY = "mục '{id}'"
WHERE_ENTRY_NTH = "mục thứ {n} của 'entries'"
WHERE_TOPIC = "chủ đề '{id}'"
WHERE_TOPIC_NTH = "chủ đề thứ {n} của 'topics'"
WHERE_SMALLTALK = "câu xã giao '{id}'"
WHERE_SMALLTALK_NTH = "câu xã giao thứ {n} của 'smalltalk'"

DUPLICATE_KEY = "khóa '{key}' bị lặp lại (đã có tại dòng {line})"
KEY_NOT_TEXT = "khóa phải là chuỗi văn bản, không phải {kind}"
UNKNOWN_KEY = "khóa lạ '{key}' trong {where}; các khóa hợp lệ: {allowed}"
UNKNOWN_KEY_GUESS = "khóa lạ '{key}' trong {where} (có phải '{guess}'?)"
MISSING_FIELD = "thiếu trường bắt buộc '{field}' trong {where}"
ITEM_NOT_MAPPING = "mỗi phần tử của '{section}' phải là mapping (id: ..., ...), không phải {kind}"
SECTION_EMPTY = "danh sách '{section}' trống"
NOT_TEXT = "trường '{field}' trong {where} phải là chuỗi văn bản, không phải {kind}"
NOT_LIST = "trường '{field}' trong {where} phải là danh sách, không phải {kind}"
NOT_MAPPING = "trường '{field}' phải là mapping, không phải {kind}"
TEXT_EMPTY = "trường '{field}' trong {where} đang trống"
LIST_EMPTY = "trường '{field}' trong {where} là danh sách trống"
ITEM_NOT_TEXT = (
    "phần tử thứ {n} của '{field}' trong {where} phải là chuỗi văn bản, không phải {kind}"
)
ITEM_EMPTY = "phần tử thứ {n} của '{field}' trong {where} đang trống"
TOO_LONG = "trường '{field}' trong {where} dài {length} ký tự, vượt giới hạn {limit} ký tự"
ANSWER_TOO_LONG = (
    "trường '{field}' trong {where} dài {length} ký tự, "
    "vượt giới hạn {limit} ký tự của một tin nhắn Telegram"
)
ITEM_TOO_LONG = (
    "phần tử thứ {n} của '{field}' trong {where} dài {length} ký tự, vượt giới hạn {limit} ký tự"
)

# -- ids and references ---------------------------------------------------------------------
BAD_ID = (
    "id '{id}' không hợp lệ: chỉ dùng chữ thường không dấu a-z, số 0-9 và dấu gạch ngang '-', "
    "bắt đầu bằng chữ hoặc số"
)
ID_TOO_LONG = "id '{id}' dài {length} ký tự, tối đa {limit} ký tự"
DUPLICATE_ID = "id '{id}' trùng với {kind} tại dòng {line}"
KIND_ENTRY = "mục"
KIND_TOPIC = "chủ đề"
KIND_SMALLTALK = "câu xã giao"
UNKNOWN_TOPIC = "chủ đề '{topic}' của mục '{id}' không có trong danh sách 'topics'"
UNKNOWN_RELATED = "mục liên quan '{related}' của mục '{id}' không tồn tại"
SELF_RELATED = "mục '{id}' không được tự liệt kê mình trong 'related'"
DUPLICATE_RELATED = "mục liên quan '{related}' được liệt kê hai lần trong mục '{id}'"

# -- phrasings ------------------------------------------------------------------------------
FOLDS_TO_NOTHING = "câu '{text}' trong {where} không còn chữ hoặc số nào sau khi chuẩn hóa"
PHRASING_COLLISION = (
    "câu '{text}' của {where} trùng với '{other}' của {other_where} tại dòng {line} "
    "sau khi chuẩn hóa ('{folded}')"
)

# -- warnings -------------------------------------------------------------------------------
FEW_ALTERNATES = "mục '{id}' chỉ có {count} câu hỏi thay thế; nên có ít nhất {minimum}"
NO_PLAIN_ALTERNATE = (
    "mục '{id}' không có câu hỏi thay thế nào gõ không dấu (ví dụ: '{example}'); "
    "người dân thường gõ không dấu"
)
EMPTY_TOPIC = "chủ đề '{id}' chưa có mục nào"

# -- abbreviations --------------------------------------------------------------------------
ABBR_BAD_KEY = (
    "từ viết tắt '{key}' không hợp lệ: phải là một từ viết thường, không dấu "
    "(được dùng 'đ'), không có dấu cách"
)
ABBR_KEY_MERGED = (
    "từ viết tắt '{key}' trùng với '{other}' tại dòng {line} sau khi chuẩn hóa "
    "(người dân gõ thế nào cũng được so khớp như nhau); đã gộp hai khóa, chỉ cần giữ một"
)
ABBR_NOT_LIST = "cách viết đầy đủ của '{key}' phải là danh sách, không phải {kind}"
ABBR_NOT_LIST_TEXT = (
    "cách viết đầy đủ của '{key}' phải là danh sách, không phải {kind}; hãy viết ['{value}']"
)
ABBR_EMPTY_LIST = "từ viết tắt '{key}' chưa có cách viết đầy đủ nào"
ABBR_ITEM_NOT_TEXT = "cách viết thứ {n} của '{key}' phải là chuỗi văn bản, không phải {kind}"
ABBR_ITEM_EMPTY = "cách viết thứ {n} của '{key}' đang trống"
ABBR_ITEM_REPEATED = "cách viết '{value}' của '{key}' lặp lại cách viết tại dòng {line}"

# -- command-line summary -------------------------------------------------------------------
SUMMARY_OK = "OK: {entries} mục, {topics} chủ đề, {abbreviations} viết tắt"
SUMMARY_OK_WARNINGS = (
    "OK: {entries} mục, {topics} chủ đề, {abbreviations} viết tắt ({warnings} cảnh báo)"
)
SUMMARY_FAILED = "{errors} lỗi, {warnings} cảnh báo"
INTERNAL_ERROR = "lỗi nội bộ của công cụ kiểm tra: {error}"
