"""Every text a citizen, an officer or an operator reads, in one place (Vietnamese).

Officers and translators change the wording here without touching logic. Texts sent to
Telegram are HTML (the bot's default parse mode): the fixed parts below are written as valid
HTML, and every dynamic part is ``html.escape``d by the code that fills in the placeholders.
Texts for the terminal (``CLI_*``) and for the operator (``CONFIG_*``) are plain text.
Words only: the callback-data prefixes of the buttons are in ``handlers/callbacks.py``.
"""

from __future__ import annotations

# --------------------------------------------------------------------------------------------
# Commands and the menu Telegram shows next to the input field
# --------------------------------------------------------------------------------------------
CMD_START = "start"
CMD_HELP = "help"
CMD_SURVEY = "danhgia"
CMD_PRIVACY = "riengtu"
START_PRIVACY = "riengtu"  # deep link t.me/<bot>?start=riengtu: /riengtu in the private chat
CMD_CANCEL = "huy"
CMD_STATS = "thongke"
CMD_UNANSWERED = "chuatraloi"
CMD_RELOAD = "reload"
CMD_HANDOFF = "hoicanbo"
CMD_TICKETS = "cauhoi"
CMD_CLOSE_TICKET = "dong"
CMD_TICKET_FAQ = "faq"
CMD_FAQ_ROLLBACK = "faq_rollback"
CMD_FAQ_EXPORT = "faq_export"

CITIZEN_COMMANDS: tuple[tuple[str, str], ...] = (
    (CMD_START, "Bắt đầu, xem các chủ đề"),
    (CMD_HELP, "Hướng dẫn sử dụng"),
    (CMD_SURVEY, "Đánh giá mức độ hài lòng"),
    (CMD_PRIVACY, "Dữ liệu của bạn và quyền xóa"),
    (CMD_HANDOFF, "Gửi câu hỏi cho cán bộ trả lời"),
    (CMD_TICKETS, "Câu hỏi đã gửi cán bộ và câu trả lời"),
    (CMD_CANCEL, "Hủy thao tác đang làm"),
)
OFFICER_COMMANDS: tuple[tuple[str, str], ...] = (
    (CMD_STATS, "Thống kê câu hỏi, đánh giá, khảo sát"),
    (CMD_UNANSWERED, "Câu hỏi chưa có câu trả lời"),
    (CMD_RELOAD, "Nạp lại bộ câu hỏi – trả lời"),
    (CMD_CLOSE_TICKET, "Đóng phiếu hỏi cán bộ: /dong số_phiếu"),
    (CMD_TICKET_FAQ, "Khối YAML cho faq.yaml từ một phiếu: /faq số_phiếu"),
    (CMD_FAQ_EXPORT, "Tải tệp câu hỏi – trả lời đang dùng"),
    (CMD_FAQ_ROLLBACK, "Quay lại bản câu hỏi – trả lời trước đó"),
)

# --------------------------------------------------------------------------------------------
# Start, help, general replies
# --------------------------------------------------------------------------------------------
WELCOME = (
    "Xin chào! Tôi là <b>Trợ lý dân vận</b> – trợ lý tự động trả lời câu hỏi về công tác "
    "dân vận chính quyền, theo nội dung Hội nghị đánh giá công tác dân vận của cơ quan hành "
    "chính nhà nước, chính quyền các cấp 6 tháng đầu năm 2020: ai chủ trì, các báo cáo, "
    "hạn chế, kết luận và nhiệm vụ thời gian tới.\n\n"
    "Hãy gõ câu hỏi của bạn, hoặc chọn bên dưới. Bạn cũng có thể đánh giá mức độ hài lòng "
    "về sự phục vụ của cơ quan hành chính."
)
HELP = (
    "<b>Cách dùng Trợ lý dân vận</b>\n\n"
    "• <b>Hỏi</b>: gõ câu hỏi bằng tiếng Việt, có dấu hay không dấu đều được. "
    "Tôi trả lời theo bộ câu hỏi – trả lời do cán bộ biên soạn, kèm nguồn.\n"
    "• <b>Đánh giá câu trả lời</b>: bấm 👍 hoặc 👎 dưới mỗi câu trả lời.\n"
    "• <b>Xem theo chủ đề</b>: /start rồi chọn «Xem theo chủ đề».\n"
    "• <b>Khảo sát hài lòng</b>: /danhgia – 5 câu theo chỉ số SIPAS, chấm điểm 1–5.\n"
    "• <b>Hỏi cán bộ</b>: /hoicanbo câu hỏi – gửi câu hỏi cho cán bộ khi tôi chưa trả lời "
    "được; /cauhoi – xem các câu đã gửi.\n"
    "• <b>Dữ liệu của bạn</b>: /riengtu – xem dữ liệu được lưu và yêu cầu xóa.\n"
    "• <b>Hủy</b>: /huy – dừng khảo sát hoặc thao tác đang làm.\n\n"
    "Trong nhóm, hãy nhắc đến tôi (@) hoặc trả lời tin nhắn của tôi.\n\n"
    "Tôi chỉ cung cấp thông tin tham khảo. Để giải quyết việc cụ thể, xin liên hệ "
    "Ủy ban nhân dân cấp xã nơi bạn cư trú hoặc Cổng Dịch vụ công quốc gia "
    "(dichvucong.gov.vn)."
)
BUTTON_BROWSE = "📚 Xem theo chủ đề"
BUTTON_SURVEY = "⭐ Đánh giá dịch vụ"
BUTTON_PRIVACY = "🔒 Quyền riêng tư"
BUTTON_HELP = "❓ Hướng dẫn"

UNKNOWN_COMMAND = "Lệnh không được hỗ trợ. Gõ /help để xem hướng dẫn."
TEXT_ONLY = "Xin lỗi, tôi chỉ đọc được tin nhắn chữ. Bạn hãy gõ câu hỏi nhé."
ERROR_APOLOGY = "Xin lỗi, đã có lỗi khi xử lý tin nhắn của bạn. Bạn vui lòng thử lại sau."
FLOOD_NOTICE = (
    "Bạn đang gửi quá nhiều tin nhắn trong thời gian ngắn. "
    "Tôi sẽ tạm dừng trả lời ít phút, mong bạn thông cảm."
)
FLOOD_GROUP_NOTICE = (
    "Nhóm đang gửi cho tôi quá nhiều câu hỏi cùng lúc. Tôi sẽ tạm dừng trả lời trong nhóm "
    "ít phút; mọi người có thể nhắn riêng cho tôi để được trả lời ngay."
)
STALE_BUTTON = "Nút này không còn dùng được."
NOTHING_TO_CANCEL = "Không có thao tác nào đang làm dở."

# --------------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------------
ANSWER_TITLE = "<b>{question}</b>"
ANSWER_SOURCE = "<i>Trích bài viết: “{source}”</i>"
# An answer to a question about the present: the article's facts are those of July 2020.
ANSWER_DATED = (
    "<i>Tại thời điểm Hội nghị ({as_of}), theo bài viết — thông tin này có thể đã thay đổi:</i>"
)
ANSWER_AS_OF = "7/2020"
# "Bao nhiêu / mấy" that the entry gives no number for: say so, then what the article says.
NOT_STATED = {
    "figure": "Bài viết không nêu con số cụ thể về điều bạn hỏi. Điều bài viết nói:",
    "reason": "Bài viết không nêu nguyên nhân, lý do của điều bạn hỏi. Điều bài viết nói:",
    "detail": "Bài viết không nêu cụ thể điều bạn hỏi. Điều bài viết nói:",
}
# Another year, place or conference than the article's.
OUT_OF_SCOPE = (
    "Tôi chỉ có thông tin từ bài viết về {covers}. Bài viết không có thông tin về "
    "“{unmet}”, nên tôi không trả lời được câu hỏi này."
)
OUT_OF_SCOPE_NEAREST = "Về Hội nghị 16/7/2020: "
# A referral (procedures, contacts, documents): its reply comes from the FAQ file.
REFERRAL_RELATED = "Điều bài viết nói: "
ALSO_ASKED = "➕ Bạn cũng hỏi: "
DID_YOU_MEAN = "Có phải bạn muốn hỏi:"
# The no-match reply says the question was recorded only when it was.
NO_MATCH_RECORDED = " Câu hỏi của bạn đã được ghi lại để cán bộ bổ sung."
NO_MATCH = (
    "Xin lỗi, tôi chưa tìm thấy câu trả lời phù hợp.{recorded}\n\n"
    "Bạn có thể:\n"
    "• diễn đạt lại câu hỏi ngắn gọn hơn, hoặc xem câu hỏi theo chủ đề;\n"
    "• liên hệ trực tiếp Ủy ban nhân dân cấp xã nơi bạn cư trú (bộ phận tiếp công dân "
    "hoặc bộ phận một cửa);\n"
    "• tra cứu và nộp hồ sơ thủ tục hành chính trên Cổng Dịch vụ công quốc gia "
    "(dichvucong.gov.vn)."
)
BUTTON_UP = "👍"
BUTTON_DOWN = "👎"
BUTTON_UP_CHOSEN = "👍 ✓"
BUTTON_DOWN_CHOSEN = "👎 ✓"
RELATED_PREFIX = "❓ "
BUTTON_LABEL_MAX = 60  # characters of a question shown on a button

VOTE_THANKS = "Cảm ơn bạn đã đánh giá"
# A press that cannot be a vote: someone else's answer in a group, a question deleted with
# /riengtu or by the retention period, a button the bot never issued.
VOTE_REFUSED = "Chỉ người đặt câu hỏi mới đánh giá được câu trả lời này, khi câu hỏi còn được lưu."
ASK_REASON = (
    "Cảm ơn bạn. Câu trả lời chưa hữu ích ở điểm nào? Bạn có thể gõ một dòng góp ý "
    "(không bắt buộc; gõ /huy để bỏ qua), hoặc hỏi lại bằng cách diễn đạt khác."
)
REASON_THANKS = "Cảm ơn bạn, góp ý đã được ghi nhận để cán bộ hoàn thiện câu trả lời."
REASON_CANCELLED = "Đã bỏ qua góp ý."

# --------------------------------------------------------------------------------------------
# Browsing by topic
# --------------------------------------------------------------------------------------------
TOPICS_HEADER = "<b>Các chủ đề</b>\nChọn một chủ đề để xem câu hỏi:"
TOPIC_HEADER = "<b>{title}</b>\nChọn một câu hỏi:"
TOPIC_EMPTY = "<b>{title}</b>\nChủ đề này chưa có câu hỏi."
BUTTON_BACK = "⬅️ Quay lại"
BUTTON_ALL_TOPICS = "📚 Các chủ đề"

# --------------------------------------------------------------------------------------------
# Satisfaction survey (SIPAS, Decision 2640/QĐ-BNV)
# --------------------------------------------------------------------------------------------
SIPAS_TITLES: dict[str, str] = {
    "access": "Tiếp cận dịch vụ",
    "procedure": "Thủ tục hành chính",
    "civil_servant": "Công chức trực tiếp giải quyết công việc",
    "result": "Kết quả giải quyết công việc",
    "feedback": "Tiếp nhận, xử lý ý kiến góp ý, phản ánh, kiến nghị",
}
SIPAS_HINTS: dict[str, str] = {
    "access": "Nơi tiếp nhận hồ sơ dễ tìm, thuận tiện; trang thiết bị đầy đủ.",
    "procedure": "Thủ tục được niêm yết công khai, đúng quy định; hồ sơ, phí, thời hạn hợp lý.",
    "civil_servant": "Thái độ lịch sự, hướng dẫn tận tình, giải quyết đúng quy định.",
    "result": "Kết quả đúng quy định, thông tin chính xác, trả đúng hẹn.",
    "feedback": "Có nơi góp ý; ý kiến được tiếp nhận, xử lý và trả lời kịp thời.",
}
SURVEY_INTRO = (
    "<b>Khảo sát mức độ hài lòng</b> (5 câu, khoảng 1 phút)\n"
    "Chấm điểm từ 1 đến 5: 1 = Rất không hài lòng, 2 = Không hài lòng, 3 = Bình thường, "
    "4 = Hài lòng, 5 = Rất hài lòng. Gõ /huy để dừng bất cứ lúc nào."
)
SURVEY_QUESTION = "Câu {number}/{total}: <b>{title}</b>\n{hint}"
SURVEY_SCORE_LABELS = ("1", "2", "3", "4", "5")
SURVEY_COMMENT_PROMPT = (
    "Cảm ơn bạn đã chấm điểm. Bạn có góp ý gì thêm không? Hãy gõ một tin nhắn, hoặc bấm «Bỏ qua»."
)
SURVEY_AGENCY_PROMPT = (
    "Bạn đánh giá cơ quan hoặc địa phương nào (ví dụ: UBND phường …)? "
    "Hãy gõ tên, hoặc bấm «Bỏ qua»."
)
BUTTON_SKIP = "Bỏ qua"
SURVEY_THANKS = "Cảm ơn bạn đã tham gia khảo sát! Ý kiến của bạn giúp chính quyền phục vụ tốt hơn."
SURVEY_CANCELLED = "Đã hủy phiếu khảo sát. Bạn có thể làm lại bằng lệnh /danhgia."
SURVEY_STALE = "Phiếu này đã kết thúc."
SURVEY_ALREADY_SCORED = "Bạn đã chấm câu này rồi."
SURVEY_SCORE_SAVED = "Đã ghi nhận {score} điểm"

# --------------------------------------------------------------------------------------------
# Privacy (Decree 13/2023/NĐ-CP on personal data protection)
# --------------------------------------------------------------------------------------------
PRIVACY = (
    "<b>Dữ liệu của bạn</b>\n\n"
    "Trợ lý <b>không</b> lưu số điện thoại, tên, tên tài khoản hay mã tài khoản Telegram "
    "của bạn (trừ cách liên lạc lại, được mã hóa, khi bạn đồng ý «Hỏi cán bộ»). Bạn được "
    "nhận diện bằng một mã bí danh; không thể suy ra tài khoản của bạn "
    "từ mã này nếu không có khóa bí mật do cơ quan quản lý giữ.\n\n"
    "Được lưu kèm mã bí danh:\n"
    "• nội dung câu hỏi bạn gửi – để cán bộ bổ sung câu trả lời còn thiếu;\n"
    "• đánh giá 👍/👎 và góp ý – để cải thiện câu trả lời;\n"
    "• phiếu khảo sát mức độ hài lòng – để thống kê chất lượng phục vụ;\n"
    "• câu hỏi bạn đồng ý gửi cán bộ (/cauhoi) và mã cuộc trò chuyện được mã hóa – chỉ để "
    "gửi câu trả lời cho bạn; mã này bị xóa khi phiếu đóng.\n\n"
    "Thời gian lưu: {retention}.\n\n"
    "Theo Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân, bạn có quyền yêu cầu xóa "
    "dữ liệu của mình. Xin đừng gửi thông tin cá nhân (số CCCD, địa chỉ, số điện thoại) "
    "trong câu hỏi."
)
RETENTION_DAYS = "tối đa {days} ngày, sau đó tự động xóa"
RETENTION_FOREVER = "cho đến khi bạn yêu cầu xóa"
BUTTON_DELETE_MINE = "🗑 Xóa dữ liệu của tôi"
# In a group: how many records a member has, and deleting them, belong in the private chat.
PRIVACY_IN_GROUP = (
    "Để xem và xóa dữ liệu của bạn, hãy mở chat riêng với trợ lý: trong nhóm, người khác sẽ thấy."
)
BUTTON_OPEN_PRIVATE = "🔒 Mở chat riêng"
PRIVACY_PRIVATE_ONLY = "Xóa dữ liệu chỉ làm được trong chat riêng với trợ lý."
DELETE_CONFIRM = (
    "Bạn có chắc muốn xóa toàn bộ dữ liệu của mình ({count} bản ghi)? "
    "Thao tác này không thể hoàn tác."
)
BUTTON_CONFIRM_DELETE = "Xóa"
BUTTON_KEEP = "Không xóa"
DELETED = "Đã xóa {count} bản ghi về bạn."
# After a change of the pseudonymization secret the bot no longer holds (see README,
# "Personal data"): records keyed with it exist and no key the bot can make finds them, so
# neither the count nor the deletion can be called complete. Appended to both.
OLDER_RECORDS_MAY_REMAIN = (
    "\n\nLưu ý: khóa bí mật của trợ lý đã được thay đổi, nên một số bản ghi cũ hơn của bạn "
    "có thể vẫn còn mà trợ lý không tìm được và không xóa được. Để yêu cầu xóa cả những bản "
    "ghi đó, xin liên hệ trực tiếp cơ quan quản lý trợ lý: Ủy ban nhân dân cấp xã nơi bạn cư "
    "trú (bộ phận tiếp công dân hoặc bộ phận một cửa)."
)
DELETE_KEPT = "Đã giữ nguyên, không xóa gì."

# --------------------------------------------------------------------------------------------
# Officers
# --------------------------------------------------------------------------------------------
OFFICER_PRIVATE_ONLY = (
    "Lệnh dành cho cán bộ chỉ dùng trong chat riêng với trợ lý (hoặc nhóm cán bộ): "
    "kết quả có câu hỏi của công dân."
)
STATS = (
    "<b>Thống kê</b>\n"
    "Câu hỏi: hôm nay {today}, 7 ngày {week}, 30 ngày {month}\n"
    "Trong 30 ngày: trả lời được {answered}, chưa rõ ý {ambiguous}, "
    "chưa trả lời được {unanswered}, giao tiếp {smalltalk}\n"
    "Đánh giá 👍: {up_share} ({up}/{votes}, của {voters} người)\n"
    "Khảo sát: hoàn thành {completed}/{offered}\n"
    "Tin nhắn bị chặn do gửi dồn dập: {floods}\n"
    "<b>Điểm trung bình theo SIPAS</b> (30 ngày):\n{factors}"
)
STATS_SHARE_NONE = "–"
STATS_FACTOR_LINE = "• {title}: {average}"
UNANSWERED_HEADER = "<b>Câu hỏi chưa trả lời được</b> (nhóm theo nội dung):"
UNANSWERED_LINE = "{number}. ({count} lần, gần nhất {last}) {example}"
UNANSWERED_EMPTY = "Không có câu hỏi nào chưa trả lời được."
RELOAD_OK = "Đã nạp {entries} mục."
RELOAD_FAILED = "Không nạp được bộ câu hỏi – trả lời, vẫn dùng bản cũ. Lỗi:"
RELOAD_FINDING = "• {finding}"
# An officer sends a YAML file to the bot (handlers.faq_files): checked, then installed.
FAQ_UPLOAD_TOO_LARGE = (
    "Tệp quá lớn ({size_kb} KB): giới hạn là {limit_kb} KB. Hãy tách bớt nội dung rồi gửi lại."
)
FAQ_UPLOAD_REFUSED = "Tệp chưa được nạp, vẫn dùng bộ câu hỏi – trả lời cũ. Lỗi:"
FAQ_UPLOAD_NOT_SERVED = (
    "Tệp đã kiểm tra và được lưu, nhưng trợ lý chưa nạp được (vẫn dùng bản cũ). Lỗi:"
)
FAQ_UPLOAD_OK = "Đã nạp {entries} mục từ tệp {name}. Bản trước được lưu, quay lại bằng /{undo}."
FAQ_ROLLBACK_NONE = "Chưa có bản trước nào được lưu để quay lại."
FAQ_ROLLBACK_REFUSED = "Bản trước không qua được kiểm tra nên chưa được khôi phục. Lỗi:"
FAQ_ROLLBACK_OK = "Đã quay lại bản lưu lúc {saved_at} (UTC). Đã nạp {entries} mục."
FAQ_EXPORT_CAPTION = "Tệp câu hỏi – trả lời trên máy chủ (trợ lý đang dùng {entries} mục)."
FAQ_EXPORT_MISSING = "Không đọc được tệp câu hỏi – trả lời trên máy chủ."
# The database file was deleted or replaced under the running bot (storage FILE_GONE).
STORAGE_LOST = (
    "⚠️ <b>Trợ lý dừng lại:</b> {problem} ({path}). Từ lúc đó trợ lý không "
    "ghi được gì nữa, nên không xác nhận gì thêm với người dân. Hãy kiểm tra tệp (khôi phục "
    "bản sao lưu nếu cần) rồi khởi động lại trợ lý; nếu trợ lý chạy dưới systemd hay một "
    "trình giám sát khác, nó tự khởi động lại trên tệp đang có."
)

# --------------------------------------------------------------------------------------------
# Operator: configuration and start-up (plain text, printed to the terminal)
# --------------------------------------------------------------------------------------------
NO_TOKEN_GUIDANCE = (
    "Chưa có token Telegram: hãy tạo bot với @BotFather (lệnh /newbot) rồi đặt biến môi "
    "trường TELEGRAM_BOT_TOKEN hoặc khóa 'token' trong config.yaml. "
    "(No Telegram token: create a bot with @BotFather and set TELEGRAM_BOT_TOKEN or "
    "'token' in config.yaml.)"
)
# The bot cannot start because of Telegram (bot.py run): one line, never the token.
TELEGRAM_INVALID_TOKEN = (
    "Telegram từ chối token (sai hoặc đã bị thu hồi) tại {url}: kiểm tra 'token' trong "
    "{config} hoặc biến TELEGRAM_BOT_TOKEN, lấy lại token với @BotFather (/token). "
    "(Telegram refused the token at {url}: check 'token' in {config} or TELEGRAM_BOT_TOKEN; "
    "get it again from @BotFather.)"
)
TELEGRAM_UNREACHABLE = (
    "Không kết nối được Telegram tại {url} ({error}): kiểm tra mạng, tường lửa/proxy và "
    "'base_url' trong {config}. (Cannot reach Telegram at {url}: check the network, the "
    "firewall or proxy, and 'base_url' in {config}.)"
)
NO_TOKEN_CHAT = "Đang mở trò chuyện trong terminal để thử bộ câu hỏi – trả lời."
CONFIG_UNKNOWN_KEY = "khóa không hợp lệ '{key}'"
CONFIG_DID_YOU_MEAN = " (có phải '{suggestion}'?)"
CONFIG_WRONG_TYPE = "'{key}' phải là {expected}, không phải {actual}"
CONFIG_BAD_VALUE = "'{key}': {problem}"
CONFIG_POSITIVE = "phải lớn hơn 0"
CONFIG_NON_NEGATIVE = "không được âm"
CONFIG_ONE_OF = "phải là một trong {choices}"
CONFIG_MODE = "phải là 'polling' hoặc 'webhook'"
CONFIG_PORT = "phải trong khoảng 1–65535"
CONFIG_OFFICERS = "chỉ gồm số nguyên (user id), có giá trị sai: {bad}"
CONFIG_OR = " hoặc "
CONFIG_NOT_MAPPING = "tệp cấu hình phải là một bảng khóa: giá trị"
CONFIG_NOT_FOUND = "không tìm thấy tệp cấu hình"
CONFIG_UNREADABLE = "không đọc được tệp cấu hình: {reason}"
CONFIG_MISSING_SECRET = (
    "thiếu 'pseudonym_secret' (hoặc biến môi trường DANVAN_SECRET): cần để tạo mã bí danh "
    "cho công dân"
)
CONFIG_SECRET_HOWTO = (
    'Tạo một khóa ngẫu nhiên bằng: python -c "import secrets; print(secrets.token_hex(32))" '
    "rồi ghi vào 'pseudonym_secret:' trong {path} (hoặc đặt biến DANVAN_SECRET); giữ kín và "
    "đừng đổi khóa khi đã có dữ liệu. (Generate one with the command above and put it in "
    "'pseudonym_secret:' in {path}, or set DANVAN_SECRET; keep it secret.)"
)
CONFIG_NO_FILE = "config.yaml (chưa có: chép từ config.example.yaml)"
CONFIG_MISSING_WEBHOOK_URL = "chế độ webhook cần 'webhook.url'"
CONFIG_MISSING_WEBHOOK_SECRET = (
    "chế độ webhook cần 'webhook.secret_token' để chỉ nhận yêu cầu thật từ Telegram"
)
# 'previous_pseudonym_secrets': an item is never echoed, it may be a secret.
CONFIG_SECRET_ITEM = (
    "phần tử thứ {n} phải là một chuỗi không rỗng (khóa bí mật cũ, đặt trong dấu ngoặc kép)"
)
CONFIG_SECRET_REPEATED = "phần tử thứ {n} trùng với phần tử thứ {first}"
CONFIG_SECRET_IS_CURRENT = (
    "phần tử thứ {n} trùng với 'pseudonym_secret' (khóa hiện tại); "
    "chỉ ghi các khóa đã dùng trước đây"
)
CONFIG_SHORT_SECRET = "'pseudonym_secret' quá ngắn: cần ít nhất {chars} ký tự ngẫu nhiên"
CONFIG_DATABASE_URL = "phải có dạng postgresql://người_dùng@máy_chủ:cổng/tên_cơ_sở_dữ_liệu"
CONFIG_DATABASE_PASSWORD = (
    "không ghi mật khẩu trong địa chỉ cơ sở dữ liệu: đặt nó trong biến môi trường "
    "DANVAN_DB_PASSWORD"
)
CONFIG_URL = "phải là địa chỉ bắt đầu bằng https:// hoặc http://"
CONFIG_PROBLEMS = "Cấu hình có lỗi:"
KNOWLEDGE_PROBLEMS = "Bộ câu hỏi – trả lời có lỗi:"
TYPE_NAMES: dict[str, str] = {
    "str": "chuỗi",
    "int": "số nguyên",
    "float": "số",
    "bool": "true/false",
    "list": "danh sách",
    "dict": "bảng khóa: giá trị",
    "NoneType": "rỗng",
}

# --------------------------------------------------------------------------------------------
# Terminal chat and ``ask`` (plain text)
# --------------------------------------------------------------------------------------------
CLI_ANSWER = "{question}\n\n{answer}"

CLI_DATED = "Tại thời điểm Hội nghị (7/2020), theo bài viết (có thể đã thay đổi):\n\n"
CLI_NO_MATCH = (
    "Xin lỗi, tôi chưa tìm thấy câu trả lời phù hợp. Hãy diễn đạt lại câu hỏi, hoặc liên hệ "
    "Ủy ban nhân dân cấp xã nơi bạn cư trú, hoặc Cổng Dịch vụ công quốc gia "
    "(dichvucong.gov.vn)."
)
CLI_ASK_USAGE = (
    'Cách dùng: python bot.py ask "câu hỏi"  (hoặc: python bot.py ask --json < cau_hoi.txt)'
)
CLI_CHAT_WELCOME = (
    "Trợ lý dân vận – trò chuyện trong terminal ({entries} mục). "
    "Gõ câu hỏi; gõ số để chọn câu gợi ý; gõ 'thoat' để thoát."
)
CLI_CHAT_PROMPT = "> "
CLI_CHAT_QUIT_WORDS = frozenset({"thoat", "quit", "exit", "q"})
CLI_CHAT_HELP = (
    "Gõ một câu hỏi về nội dung Hội nghị rồi nhấn Enter. Khi trợ lý đưa ra các câu gợi ý, "
    "gõ số thứ tự để xem câu trả lời. Gõ 'thoat' (hoặc Ctrl-D) để thoát."
)
CLI_CHAT_UNKNOWN_COMMAND = "Không có lệnh /{command}; ở đây chỉ có /help và các câu hỏi."
CLI_CHAT_TELEGRAM_ONLY = (
    "Lệnh /{command} chỉ dùng được trên Telegram; ở đây chỉ có /help và các câu hỏi."
)
CLI_CHAT_RECORDING = (
    "Câu hỏi được ghi vào {path} như trên Telegram (mã bí danh cố định của terminal), để thử "
    "'report', 'inbox' và 'purge'."
)

# ============================================================================================
# Officer tools on the command line: ``report``, ``purge``, ``inbox`` (module reports/).
# Plain text for the terminal, CSV headers and the HTML report (escaped by reports/).
# Keep the {placeholders}.
# ============================================================================================
# -- command-line help
HELP_REPORT = "báo cáo cho cán bộ: số liệu, mức độ hài lòng SIPAS, câu hỏi chưa trả lời được"
HELP_PURGE = "xóa các bản ghi quá thời hạn lưu trữ"
HELP_INBOX = "câu hỏi chưa trả lời được, nhóm theo nội dung, kèm mục FAQ gần nhất"
HELP_SECRETS = (
    "số bản ghi theo từng khóa bí danh (dấu vân tay của khóa): khóa hiện tại, khóa cũ đã khai "
    "báo, và khóa không còn cấu hình (bản ghi không tìm lại được)"
)
HELP_CONFIG = "tệp cấu hình (mặc định: config.yaml nếu có)"
HELP_PROGRAM = "Trợ lý dân vận – bot Telegram và các công cụ dùng trên máy"
HELP_RUN = "chạy bot Telegram (lệnh mặc định)"
HELP_ASK = "trả lời một câu hỏi ngay trong terminal"
HELP_ASK_QUESTION = "câu hỏi (bỏ trống khi dùng --json để đọc từ stdin)"
HELP_ASK_JSON = "mỗi dòng một đối tượng JSON; câu hỏi đọc từ stdin"
HELP_CHAT = "trò chuyện thử trong terminal, không cần Telegram"
HELP_CHAT_RECORD = "ghi câu hỏi vào cơ sở dữ liệu trong cấu hình, để thử report/inbox/purge"
HELP_EVAL = "đo độ chính xác trên bộ câu hỏi đã gán nhãn"
HELP_EVAL_VERBOSE = "liệt kê các câu trả lời sai"
HELP_EVAL_HALF = "nửa của bộ câu hỏi (chỉnh trên 'tune', báo cáo trên 'test')"
HELP_CHECK_FAQ = "kiểm tra tệp FAQ, từ viết tắt và từ đồng nghĩa"
HELP_FAQ_PATH = "tệp FAQ (mặc định: knowledge/faq.yaml)"
HELP_ABBREVIATIONS_PATH = "tệp từ viết tắt (mặc định: knowledge/abbreviations.yaml)"
HELP_SYNONYMS_PATH = "tệp từ đồng nghĩa (mặc định: knowledge/synonyms.yaml)"
HELP_DB = "tệp cơ sở dữ liệu (mặc định: mục 'database' của cấu hình, hoặc data/danvan.db)"
HELP_SINCE = "từ ngày (YYYY-MM-DD, giờ Việt Nam), tính cả ngày này"
HELP_UNTIL = "đến ngày (YYYY-MM-DD, giờ Việt Nam), tính cả ngày này"
HELP_CSV = "ghi mỗi bảng ra một tệp CSV (UTF-8 có BOM, mở được bằng Excel) trong thư mục DIR"
HELP_HTML = "ghi báo cáo HTML có biểu đồ ra tệp FILE (một tệp, mở được khi không có mạng)"
HELP_CITIZEN_KEYS = "giữ cột mã bí danh công dân trong tệp CSV (mặc định: bỏ)"
HELP_FAQ = "tệp câu hỏi – trả lời (mặc định: mục 'faq' của cấu hình)"
HELP_ABBREVIATIONS = "tệp từ viết tắt (mặc định: mục 'abbreviations' của cấu hình)"
HELP_TEXT = "với --csv/--html: vẫn in báo cáo ra terminal"
HELP_YES = "xóa ngay, không hỏi lại (cho cron, systemd timer)"
HELP_OLDER_THAN = "xóa bản ghi cũ hơn DAYS ngày (số nguyên dương)"
HELP_LIMIT = "số nhóm câu hỏi tối đa (mặc định: {default})"
HELP_SNIPPET = (
    "in khối YAML 'alternates:' của mục FAQ_ID, thêm các câu hỏi trong danh sách có mục gần "
    "nhất là FAQ_ID, để dán vào faq.yaml"
)

# -- problems (printed to stderr; the command ends with exit status 2)
CLI_POSITIVE_INT = "'{value}' không phải số nguyên dương (từ 1 đến {maximum})"
REPORT_BAD_DATE = "ngày không hợp lệ '{value}': cần dạng YYYY-MM-DD, ví dụ 2025-03-31"
REPORT_SINCE_AFTER_UNTIL = "--since {since} ở sau --until {until}"
REPORT_DB_MISSING = (
    "Không tìm thấy cơ sở dữ liệu: {path}\n"
    "Hãy chỉ đúng tệp bằng --db, hoặc mục 'database' trong tệp cấu hình."
)
REPORT_STORAGE_ERROR = "Không dùng được cơ sở dữ liệu {path}: {problem}"
# storage.base.StorageProblem value -> what an officer reads.
STORAGE_SERVER_UNREACHABLE = (
    "không kết nối được máy chủ PostgreSQL — kiểm tra máy chủ đang chạy, địa chỉ và cổng, tên "
    "cơ sở dữ liệu, người dùng và mật khẩu (DANVAN_DB_PASSWORD)"
)
STORAGE_PROBLEM_NAMES: dict[str, str] = {
    "not a SQLite database": "tệp này không phải cơ sở dữ liệu SQLite",
    "database file is corrupt": "tệp cơ sở dữ liệu bị hỏng",
    "database is read-only": "không có quyền ghi vào cơ sở dữ liệu",
    "disk is full": "ổ đĩa đã đầy",
    "database is locked by another process": "cơ sở dữ liệu đang bị một tiến trình khác khóa",
    "cannot open the database file": "không mở được tệp",
    "database was written by a newer version of the bot": (
        "cơ sở dữ liệu do phiên bản mới hơn của trợ lý tạo ra; hãy cập nhật chương trình"
    ),
    "database file was deleted or replaced under the running bot": (
        "tệp cơ sở dữ liệu đã bị xóa hoặc bị thay thế trong khi trợ lý đang chạy"
    ),
    "database error": "lỗi cơ sở dữ liệu",
}
REPORT_WRITE_FAILED = "Không ghi được tệp báo cáo: {error}"
REPORT_FAQ_UNAVAILABLE = (
    "Lưu ý: không đọc được bộ câu hỏi – trả lời ({path}); báo cáo chỉ ghi mã mục."
)
SNIPPET_UNKNOWN_ID = "Không có mục '{id}' trong bộ câu hỏi – trả lời."
SNIPPET_DID_YOU_MEAN = "Có phải: {ids}?"

# -- results
REPORT_CSV_WRITTEN = "Đã ghi {count} tệp CSV vào thư mục {path}"
REPORT_HTML_WRITTEN = "Đã ghi báo cáo HTML: {path}"
PURGE_PREVIEW = "Sẽ xóa các bản ghi cũ hơn {days} ngày (trước {cutoff}, giờ Việt Nam):"
PURGE_PREVIEW_LINE = "  {name}: {count}"
PURGE_TABLE_NAMES: dict[str, str] = {
    "survey_scores": "điểm khảo sát (đi cùng phiếu)",
    "questions": "câu hỏi",
    "votes": "đánh giá 👍/👎",
    "surveys": "phiếu khảo sát",
    "tickets": "phiếu hỏi cán bộ",
    "flood_events": "bộ đếm tin nhắn dồn dập (theo ngày)",
}
PURGE_CONFIRM = "Xóa các bản ghi này? Gõ 'có' (hoặc 'c') để xóa, Enter để thôi: "
PURGE_CONFIRM_WORDS = frozenset({"co", "c", "yes", "y"})
PURGE_CANCELLED = (
    "Không xóa gì. Thêm --yes để xóa không cần hỏi (ví dụ trong cron hoặc systemd timer)."
)
PURGE_NOTHING = "Không có bản ghi nào cũ hơn {days} ngày (trước {cutoff}, giờ Việt Nam)."
PURGE_DONE = "Đã xóa {count} bản ghi cũ hơn {days} ngày (trước {cutoff}, giờ Việt Nam)."
INBOX_SUMMARY = "{groups} nhóm câu hỏi, {questions} lượt hỏi ({period})."
# -- secrets: records per pseudonymization secret, by fingerprint (never the secret)
SECRETS_TITLE = "Bản ghi theo khóa bí danh (dấu vân tay của khóa, không phải khóa)"
SECRETS_COL_FINGERPRINT = "Dấu vân tay"
SECRETS_COL_ROLE = "Vai trò"
SECRETS_COL_FIRST = "Dùng lần đầu"
SECRETS_COL_LAST = "Dùng lần cuối"
SECRETS_COL_RECORDS = "Bản ghi"
SECRETS_UNRECORDED = "(chưa ghi nhận)"
SECRETS_ROLE_CURRENT = "khóa hiện tại"
SECRETS_ROLE_PREVIOUS = "khóa cũ đã khai báo"
SECRETS_ROLE_DROPPED = "không còn cấu hình"
SECRETS_ROLE_UNRECORDED = "từ trước khi ghi nhận khóa"
SECRETS_EMPTY = "Chưa có bản ghi và chưa ghi nhận khóa nào."
SECRETS_NO_SECRET = (
    "Cấu hình không có 'pseudonym_secret' (hoặc DANVAN_SECRET): không biết khóa nào đang dùng."
)
SECRETS_SUMMARY = (
    "Tìm được bằng khóa hiện tại: {current}. Dưới khóa cũ đã khai báo: {previous} "
    "(chuyển sang khóa hiện tại khi công dân quay lại). Không tìm lại được: {unlinked}."
)
SECRETS_UNRECORDED_NOTE = (
    "Bản ghi 'từ trước khi ghi nhận khóa' được tạo trước phiên bản ghi nhận dấu vân tay; "
    "không biết khóa nào đã tạo ra chúng. Khi có khóa không còn cấu hình, chúng được tính là "
    "không tìm lại được."
)
SECRETS_EXPLAIN = (
    "Không thể chuyển khóa ngoại tuyến, và đó là chủ ý: mã bí danh là HMAC của mã người dùng "
    "Telegram, mà cơ sở dữ liệu không lưu mã người dùng, nên không thể tính mã mới từ mã cũ. "
    "Đó chính là ý nghĩa của bí danh hóa. Bản ghi dưới khóa cũ được chuyển sang khóa hiện tại "
    "khi công dân nhắn lại cho trợ lý (trợ lý biết mã người dùng, tính được mã cũ từ "
    "'previous_pseudonym_secrets'); /riengtu đếm và xóa dưới mọi khóa đã cấu hình. Giữ khóa cũ "
    "trong 'previous_pseudonym_secrets' đến khi dòng của nó còn 0 bản ghi (hoặc đến hết thời "
    "hạn lưu trữ). Bản ghi của khóa không còn cấu hình chỉ mất đi theo thời hạn lưu trữ "
    "(purge); trong lúc đó /riengtu báo cho công dân rằng có thể còn bản ghi cũ."
)
# -- migrate-db: a SQLite database moved to PostgreSQL (storage/transfer.py)
HELP_MIGRATE_DB = (
    "chuyển cơ sở dữ liệu SQLite sang PostgreSQL: chép mọi bảng trong một giao dịch và đối "
    "chiếu số dòng từng bảng (hãy dừng trợ lý trước)"
)
HELP_MIGRATE_FROM = "tệp SQLite nguồn (mặc định: mục 'database' của cấu hình, khi đó là một tệp)"
HELP_MIGRATE_TO = (
    "cơ sở dữ liệu PostgreSQL đích, dạng postgresql://người_dùng@máy_chủ:cổng/tên (mặc định: "
    "mục 'database' của cấu hình, khi đó là PostgreSQL); mật khẩu chỉ đặt trong biến môi "
    "trường DANVAN_DB_PASSWORD hoặc PGPASSWORD"
)
MIGRATE_NO_SOURCE = (
    "Chưa biết chép từ tệp SQLite nào: mục 'database' của cấu hình là PostgreSQL. "
    "Hãy chỉ tệp bằng --from FILE.db."
)
MIGRATE_NO_TARGET = (
    "Chưa biết chép sang đâu: hãy chỉ cơ sở dữ liệu PostgreSQL bằng "
    "--to postgresql://người_dùng@máy_chủ:cổng/tên, hoặc ghi địa chỉ đó vào mục 'database' "
    "của cấu hình."
)
MIGRATE_SOURCE_NOT_FILE = "--from phải là một tệp SQLite, không phải địa chỉ PostgreSQL."
MIGRATE_SOURCE_MISSING = (
    "Không tìm thấy tệp SQLite nguồn: {path}\n"
    "Hãy chỉ đúng tệp bằng --from, hoặc mục 'database' trong tệp cấu hình."
)
MIGRATE_BAD_TARGET = "Địa chỉ --to không dùng được: {problem}"
MIGRATE_NOT_EMPTY = (
    "Không chép gì: cơ sở dữ liệu đích {target} đã có dữ liệu:\n{tables}\n"
    "Chỉ chuyển vào một cơ sở dữ liệu mới mà trợ lý chưa chạy trên đó (tạo bằng createdb, "
    "xem README, mục PostgreSQL)."
)
MIGRATE_NOT_EMPTY_LINE = "  {table}: {count} dòng"
MIGRATE_FAILED = (
    "Chuyển dữ liệu không thành công{where}: {detail}\n"
    "Đã hoàn tác: {target} không giữ dòng nào của lần chuyển này; tệp {source} vẫn dùng được "
    "như trước."
)
MIGRATE_FAILED_AT = " ở bảng {table}"
MIGRATE_NO_TABLE = (
    "bảng SQLite này không có bảng tương ứng trên PostgreSQL; chương trình cần được sửa để "
    "biết chép nó vào đâu (storage/transfer.py) trước khi chuyển"
)
MIGRATE_NO_COLUMN = (
    "cột '{column}' không có cột tương ứng trên PostgreSQL; chương trình cần được sửa để biết "
    "chép nó vào đâu (storage/transfer.py) trước khi chuyển"
)
MIGRATE_COUNT_MISMATCH = "SQLite có {expected} dòng nhưng PostgreSQL giữ {found} dòng"
MIGRATE_DONE = (
    "Đã chuyển {rows} dòng từ {source} sang {target} trong {seconds} giây; số dòng từng bảng "
    "đã được đối chiếu."
)
MIGRATE_TABLE_TITLE = "Số dòng theo bảng (theo thứ tự đã chép)"
MIGRATE_COL_SOURCE = "Bảng SQLite"
MIGRATE_COL_SOURCE_ROWS = "Dòng trong SQLite"
MIGRATE_COL_TARGET = "Bảng PostgreSQL"
MIGRATE_COL_TARGET_ROWS = "Dòng trên PostgreSQL"
MIGRATE_NEXT_TICKET = (
    "Phiếu hỏi cán bộ tiếp theo mang số #{number}: không số nào đã cấp được cấp lại."
)
MIGRATE_NEXT_STEP = (
    "Tiếp theo: ghi 'database: {target}' vào tệp cấu hình, đặt mật khẩu trong "
    "DANVAN_DB_PASSWORD, rồi khởi động trợ lý. Tệp SQLite không bị xóa: giữ nó như một bản "
    "sao lưu, rồi xóa theo thời hạn lưu trữ."
)
SNIPPET_HEADER = (
    "# Mục {id}: {question}\n"
    "# Thay cả khối 'alternates:' của mục này trong faq.yaml bằng khối dưới đây;\n"
    "# các dòng đánh dấu '# mới' là câu hỏi người dân chưa được trả lời.\n"
    "# Sau đó kiểm tra: python bot.py check-faq"
)
SNIPPET_NEW = "# mới, hỏi {count} lần"
SNIPPET_NOTHING = "Không có câu hỏi mới nào để thêm vào mục '{id}'."
SNIPPET_SKIPPED_KNOWN = "Bỏ qua {count} câu đã có trong bộ câu hỏi – trả lời (sau khi bỏ dấu)."
SNIPPET_SKIPPED_LONG = "Bỏ qua {count} câu dài hơn {limit} ký tự."
SNIPPET_SKIPPED_DECLINED = (
    "Bỏ qua {count} câu trợ lý đã trả lời đúng là bài viết không có (thủ tục, năm khác, số liệu"
    " bài không nêu…): thêm vào sẽ biến lời từ chối thành một câu trả lời sai."
)
SNIPPET_SKIPPED_FAR = (
    "Bỏ qua {count} câu tuy gần mục này nhất nhưng khớp quá thấp: đó là câu hỏi khác."
)

# -- the report
REPORT_HEADING = "BÁO CÁO TRỢ LÝ DÂN VẬN\nThời gian: {period} (giờ Việt Nam)\nLập lúc: {generated}"
REPORT_PERIOD_BETWEEN = "từ {since} đến hết {until}"
REPORT_PERIOD_SINCE = "từ {since} đến nay"
REPORT_PERIOD_UNTIL = "từ đầu đến hết {until}"
REPORT_PERIOD_ALL = "toàn bộ dữ liệu"
REPORT_NONE = "–"
REPORT_NO_ROWS = "(chưa có dữ liệu)"
# Headers of the raw tables' CSV files (database column -> what officers read in Excel).
# Stable: a spreadsheet built on these files keeps working from one export to the next.
CSV_RAW_COLUMNS: dict[str, dict[str, str]] = {
    "questions": {
        "id": "Mã câu hỏi",
        "citizen": "Mã người dân (bí danh)",
        "text": "Câu hỏi",
        "normalized": "Câu hỏi đã chuẩn hóa",
        "outcome": "Kết quả",
        "faq_id": "Mã mục",
        "score": "Độ khớp (0–100)",
        "asked_at": "Thời điểm hỏi",
    },
    "votes": {
        "id": "Mã đánh giá",
        "citizen": "Mã người dân (bí danh)",
        "answer_key": "Mã câu trả lời",
        "faq_id": "Mã mục",
        "value": "Đánh giá (1 có ích, -1 chưa tốt)",
        "reason": "Lý do",
        "voted_at": "Thời điểm đánh giá",
        "updated_at": "Thời điểm sửa",
    },
    "surveys": {
        "id": "Mã phiếu",
        "citizen": "Mã người dân (bí danh)",
        "stage": "Bước",
        "started_at": "Thời điểm bắt đầu",
        "completed_at": "Thời điểm hoàn thành",
        "abandoned_at": "Thời điểm bỏ dở",
        "comment": "Góp ý",
        "agency": "Cơ quan",
    },
    "survey_scores": {
        "survey_id": "Mã phiếu",
        "factor": "Yếu tố",
        "score": "Điểm (1–5)",
        "answered_at": "Thời điểm chấm",
    },
    "flood_events": {"day": "Ngày", "count": "Số tin nhắn bị chặn"},
}
REPORT_EMPTY_WEEKS_HIDDEN = "(không ghi {count} tuần không có câu hỏi nào)"
REPORT_YES = "có"
REPORT_NO = "không"
REPORT_OUTCOMES: dict[str, str] = {
    "answered": "Trả lời được",
    "ambiguous": "Chưa rõ ý (đã gợi ý)",
    "unanswered": "Chưa trả lời được",
    "smalltalk": "Giao tiếp (chào, cảm ơn)",
}
REPORT_TITLE_OVERVIEW = "Tổng quan"
REPORT_TITLE_WEEKLY = "Câu hỏi theo tuần (tuần bắt đầu thứ Hai)"
REPORT_TITLE_TOP_FAQS = "Mục được hỏi nhiều nhất"
REPORT_TITLE_VOTES = "Đánh giá 👍/👎 theo mục (kém nhất trước)"
REPORT_TITLE_FACTORS = "Mức độ hài lòng theo 5 yếu tố SIPAS (phiếu đã hoàn thành)"
REPORT_TITLE_COMMENTS = "Góp ý gần đây trong phiếu khảo sát"
REPORT_TITLE_INBOX = "Câu hỏi chưa trả lời được (nhóm theo nội dung, nhiều nhất trước)"
REPORT_COL_FIGURE = "Chỉ số"
REPORT_COL_VALUE = "Giá trị"
REPORT_ROW_PERIOD = "Thời gian"
REPORT_ROW_MESSAGES = "Tổng số tin nhắn hỏi"
REPORT_ROW_QUESTIONS = "Câu hỏi (không tính giao tiếp)"
REPORT_ROW_ANSWER_RATE = "Tỷ lệ trả lời được"
REPORT_ROW_VOTES_UP = "Lượt đánh giá có ích (👍)"
REPORT_ROW_VOTES_DOWN = "Lượt đánh giá chưa tốt (👎)"
REPORT_ROW_SURVEYS_OFFERED = "Phiếu khảo sát đã mời"
REPORT_ROW_SURVEYS_COMPLETED = "Phiếu đã hoàn thành"
REPORT_ROW_SURVEYS_ABANDONED = "Phiếu bỏ dở"
REPORT_ROW_SURVEYS_OPEN = "Phiếu đang làm"
REPORT_ROW_RESPONSE_RATE = "Tỷ lệ phản hồi khảo sát"
REPORT_ROW_OVERALL = "Chỉ số hài lòng chung (SIPAS)"
REPORT_ROW_FLOOD = "Tin nhắn bị chặn do gửi dồn dập"
REPORT_COL_WEEK = "Tuần từ"
REPORT_COL_TOTAL = "Tổng"
REPORT_COL_FAQ_ID = "Mã mục"
REPORT_COL_FAQ_QUESTION = "Câu hỏi của mục"
REPORT_COL_TIMES = "Số lần"
REPORT_COL_UP = "Có ích 👍"
REPORT_COL_DOWN = "Chưa tốt 👎"
REPORT_COL_BALANCE = "Chênh lệch"
REPORT_COL_UP_SHARE = "Tỷ lệ có ích"
REPORT_COL_FACTOR = "Yếu tố"
REPORT_COL_RESPONSES = "Số phiếu"
REPORT_COL_AVERAGE = "Điểm TB (1–5)"
REPORT_COL_SATISFIED = "Hài lòng (4–5)"
REPORT_COL_DATE = "Ngày"
REPORT_COL_AGENCY = "Cơ quan"
REPORT_COL_COMMENT = "Góp ý"
REPORT_COL_COMPLETED = "Hoàn thành"
REPORT_COL_COUNT = "Số lần"
REPORT_COL_EXAMPLE = "Câu hỏi (ví dụ gần nhất)"
REPORT_COL_LAST_ASKED = "Lần gần nhất"
REPORT_NOTES = (
    "Ghi chú:\n"
    "• Tỷ lệ trả lời được = câu trả lời được ÷ câu hỏi, không tính tin nhắn giao tiếp.\n"
    "• Chênh lệch = lượt có ích (👍) − lượt chưa tốt (👎); mục kém nhất đứng đầu.\n"
    "• Điểm TB: trung bình điểm 1–5; Hài lòng: tỷ lệ phiếu chấm 4 (hài lòng) hoặc "
    "5 (rất hài lòng), như cách tính chỉ số SIPAS; chỉ tính phiếu đã hoàn thành. "
    "Chỉ số hài lòng chung = trung bình tỷ lệ hài lòng của các yếu tố.\n"
    "• Tỷ lệ phản hồi khảo sát = phiếu hoàn thành ÷ phiếu đã mời, theo ngày bắt đầu phiếu.\n"
    "• Ngày tính theo giờ Việt Nam (UTC+7)."
)

# -- the inbox command
INBOX_TITLE = "Câu hỏi chưa trả lời được (nhiều nhất trước)"
INBOX_EMPTY = "Không có câu hỏi nào chưa trả lời được."
INBOX_COL_NEAREST = "Mục gần nhất"
INBOX_COL_NEAREST_QUESTION = "Câu hỏi của mục"
INBOX_COL_SCORE = "Điểm khớp"

# -- the HTML report and its charts
HTML_TITLE = "Báo cáo Trợ lý dân vận – {period}"
HTML_HEADING = "Báo cáo Trợ lý dân vận"
HTML_META = "Thời gian: {period} (giờ Việt Nam) · Lập lúc: {generated}"
HTML_CHARTS_HEADING = "Biểu đồ"
CHART_FACTORS_TITLE = "Mức độ hài lòng theo yếu tố SIPAS"
CHART_AVERAGE = "Điểm trung bình (1–5)"
CHART_SATISFIED = "Tỷ lệ hài lòng (4–5)"
CHART_WEEKLY_TITLE = "Câu hỏi theo tuần, theo kết quả"
CHART_WEEK_AXIS = "Tuần bắt đầu"
CHART_QUESTIONS_AXIS = "Số câu hỏi"
CHART_OUTCOMES_TITLE = "Trả lời được và chưa trả lời được (không tính giao tiếp)"
CHART_ANSWER_RATE = "{rate}\ntrả lời được"
CHART_NO_QUESTIONS = "Chưa có câu hỏi"

# --------------------------------------------------------------------------------------------
# FAQ and abbreviations checks (check-faq, live reload), for officers: plain text (CHECK_*)
# --------------------------------------------------------------------------------------------
# Every message the FAQ and abbreviation checks show to officers, in one place.
#
# Officers edit ``faq.yaml`` and ``abbreviations.yaml`` by hand, so the checks speak Vietnamese
# and keep YAML's own technical words (mapping, anchor, alias, tab, UTF-8) where an officer
# would look them up. Each text is a ``str.format`` template; change the words freely, keep
# the ``{placeholders}``. Locations (``file:line:column:``) are added by the checker.

# -- reading the file ---------------------------------------------------------------------
CHECK_FILE_MISSING = "không tìm thấy tệp"
CHECK_FILE_IS_DIRECTORY = "đây là thư mục, không phải tệp"
CHECK_FILE_UNREADABLE = "không đọc được tệp: {reason}"
CHECK_FILE_TOO_LARGE = "tệp lớn hơn giới hạn {limit_mb} MB; hãy tách bớt nội dung"
CHECK_NOT_UTF8 = (
    "tệp không phải mã hóa UTF-8 (byte 0x{byte:02X} không hợp lệ); "
    "hãy lưu lại tệp với mã hóa UTF-8"
)
CHECK_TAB_INDENT = "thụt lề bằng ký tự tab; YAML chỉ cho phép thụt lề bằng dấu cách"
CHECK_BAD_CHARACTER = "ký tự không được phép U+{code:04X} (ký tự điều khiển); hãy xóa ký tự này"
CHECK_YAML_SYNTAX = "lỗi cú pháp YAML: {problem}"
CHECK_YAML_SYNTAX_CONTEXT = "lỗi cú pháp YAML: {problem} ({context}, bắt đầu tại dòng {line})"
CHECK_YAML_SYNTAX_HINTED = "lỗi cú pháp YAML: {hint} [{problem}]"
CHECK_YAML_SYNTAX_HINTED_CONTEXT = (
    "lỗi cú pháp YAML: {hint} [{problem}; {context}, bắt đầu tại dòng {line}]"
)
CHECK_YAML_KEY_OUT_OF_LINE = (
    "khóa '{key}' thụt lề khác các khóa cùng cấp ở dòng trên (mỗi cấp thụt 2 dấu cách)"
)
# PyYAML's English problem (its beginning) -> what an officer should do about it.
CHECK_YAML_HINTS = {
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
CHECK_TOO_DEEP = "cấu trúc lồng nhau quá sâu (hơn {limit} cấp)"
CHECK_ANCHOR = (
    "không cho phép anchor YAML '&{name}' (chống bom alias 'billion laughs'); "
    "hãy viết trực tiếp nội dung"
)
CHECK_ALIAS = "không cho phép alias YAML '*{name}'; hãy viết trực tiếp nội dung"
CHECK_EMPTY_FILE = "tệp trống"

# -- structure ------------------------------------------------------------------------------
CHECK_KIND_MAPPING = "mapping"
CHECK_KIND_LIST = "danh sách"
CHECK_KIND_TEXT = "chuỗi văn bản"
CHECK_KIND_EMPTY = "giá trị trống"
CHECK_KIND_NUMBER = "số"
CHECK_KIND_BOOLEAN = "giá trị đúng/sai"

CHECK_TOP_NOT_MAPPING = (
    "cấp ngoài cùng của tệp phải là mapping với các khóa {keys}, không phải {kind}"
)
CHECK_WHERE_TOP = "cấp ngoài cùng của tệp"
CHECK_WHERE_ENTRY = "mục '{id}'"
CHECK_WHERE_ENTRY_NTH = "mục thứ {n} của 'entries'"
CHECK_WHERE_TOPIC = "chủ đề '{id}'"
CHECK_WHERE_TOPIC_NTH = "chủ đề thứ {n} của 'topics'"
CHECK_WHERE_SMALLTALK = "câu xã giao '{id}'"
CHECK_WHERE_SMALLTALK_NTH = "câu xã giao thứ {n} của 'smalltalk'"

CHECK_DUPLICATE_KEY = "khóa '{key}' bị lặp lại (đã có tại dòng {line})"
CHECK_KEY_NOT_TEXT = "khóa phải là chuỗi văn bản, không phải {kind}"
CHECK_UNKNOWN_KEY = "khóa lạ '{key}' trong {where}; các khóa hợp lệ: {allowed}"
CHECK_UNKNOWN_KEY_GUESS = "khóa lạ '{key}' trong {where} (có phải '{guess}'?)"
CHECK_MISSING_FIELD = "thiếu trường bắt buộc '{field}' trong {where}"
CHECK_ITEM_NOT_MAPPING = (
    "mỗi phần tử của '{section}' phải là mapping (id: ..., ...), không phải {kind}"
)
CHECK_SECTION_EMPTY = "danh sách '{section}' trống"
CHECK_NOT_TEXT = "trường '{field}' trong {where} phải là chuỗi văn bản, không phải {kind}"
CHECK_NOT_LIST = "trường '{field}' trong {where} phải là danh sách, không phải {kind}"
CHECK_NOT_MAPPING = "trường '{field}' phải là mapping, không phải {kind}"
CHECK_TEXT_EMPTY = "trường '{field}' trong {where} đang trống"
CHECK_TEXT_TODO = "trường '{field}' trong {where} chưa điền (còn chữ TODO)"
CHECK_LIST_EMPTY = "trường '{field}' trong {where} là danh sách trống"
CHECK_ITEM_NOT_TEXT = (
    "phần tử thứ {n} của '{field}' trong {where} phải là chuỗi văn bản, không phải {kind}"
)
CHECK_ITEM_EMPTY = "phần tử thứ {n} của '{field}' trong {where} đang trống"
CHECK_TOO_LONG = "trường '{field}' trong {where} dài {length} ký tự, vượt giới hạn {limit} ký tự"
CHECK_ANSWER_TOO_LONG = (
    "trường '{field}' trong {where} dài {length} ký tự, "
    "vượt giới hạn {limit} ký tự của một tin nhắn Telegram"
)
CHECK_ITEM_TOO_LONG = (
    "phần tử thứ {n} của '{field}' trong {where} dài {length} ký tự, vượt giới hạn {limit} ký tự"
)

# -- ids and references ---------------------------------------------------------------------
CHECK_BAD_ID = (
    "id '{id}' không hợp lệ: chỉ dùng chữ thường không dấu a-z, số 0-9 và dấu gạch ngang '-', "
    "bắt đầu bằng chữ hoặc số"
)
CHECK_ID_TOO_LONG = "id '{id}' dài {length} ký tự, tối đa {limit} ký tự"
CHECK_DUPLICATE_ID = "id '{id}' trùng với {kind} tại dòng {line}"
CHECK_KIND_ENTRY = "mục"
CHECK_KIND_TOPIC = "chủ đề"
CHECK_KIND_SMALLTALK = "câu xã giao"
CHECK_UNKNOWN_TOPIC = "chủ đề '{topic}' của mục '{id}' không có trong danh sách 'topics'"
CHECK_UNKNOWN_RELATED = "mục liên quan '{related}' của mục '{id}' không tồn tại"
CHECK_SELF_RELATED = "mục '{id}' không được tự liệt kê mình trong 'related'"
CHECK_DUPLICATE_RELATED = "mục liên quan '{related}' được liệt kê hai lần trong mục '{id}'"
CHECK_NOT_BOOLEAN = "trường '{field}' trong {where} phải là true hoặc false, không phải {kind}"
CHECK_TOPIC_KIND = "loại chủ đề '{kind}' không hợp lệ; các loại hợp lệ: {allowed}"
CHECK_KIND_REFERRAL = "hướng dẫn"
CHECK_WHERE_REFERRAL = "hướng dẫn '{id}'"
CHECK_WHERE_REFERRAL_NTH = "hướng dẫn thứ {n} của 'referrals'"
CHECK_REFERRAL_NO_DEFAULT = (
    "danh sách 'referrals' cần đúng một hướng dẫn có 'default: true' (dùng khi người dân hỏi "
    "thủ tục mà không hướng dẫn nào khớp)"
)
CHECK_REFERRAL_TWO_DEFAULTS = (
    "chỉ được một hướng dẫn có 'default: true'; đã có hướng dẫn mặc định tại dòng {line}"
)
CHECK_WHERE_SCOPE = "mục 'scope'"
CHECK_SCOPE_NOT_NUMBER = "'{value}' trong 'numbers' phải là số hoặc ngày (ví dụ 2020, 16/7)"

# -- phrasings ------------------------------------------------------------------------------
CHECK_FOLDS_TO_NOTHING = "câu '{text}' trong {where} không còn chữ hoặc số nào sau khi chuẩn hóa"
CHECK_PHRASING_COLLISION = (
    "câu '{text}' của {where} trùng với '{other}' của {other_where} tại dòng {line} "
    "sau khi chuẩn hóa ('{folded}')"
)

# -- warnings -------------------------------------------------------------------------------
CHECK_SOURCE_NOT_QUOTED = (
    "nguồn của mục '{id}' không có nguyên văn trong bài viết (thư mục source/ cạnh tệp FAQ): "
    "người dân thấy nó như lời trích, nên phải chép đúng từng chữ của bài"
)
CHECK_TOO_MANY_RELATED = (
    "mục '{id}' có {count} mục liên quan; người dân chỉ thấy {shown} mục đầu, từ mục này trở "
    "đi không được hiện"
)
CHECK_FEW_ALTERNATES = "mục '{id}' chỉ có {count} câu hỏi thay thế; nên có ít nhất {minimum}"
CHECK_NO_PLAIN_ALTERNATE = (
    "mục '{id}' không có câu hỏi thay thế nào gõ không dấu (ví dụ: '{example}'); "
    "người dân thường gõ không dấu"
)
CHECK_EMPTY_TOPIC = "chủ đề '{id}' chưa có mục nào"

# -- abbreviations --------------------------------------------------------------------------
CHECK_ABBR_BAD_KEY = (
    "từ viết tắt '{key}' không hợp lệ: phải là một từ viết thường, không dấu "
    "(được dùng 'đ'), không có dấu cách"
)
CHECK_ABBR_KEY_MERGED = (
    "từ viết tắt '{key}' trùng với '{other}' tại dòng {line} sau khi chuẩn hóa "
    "(người dân gõ thế nào cũng được so khớp như nhau); đã gộp hai khóa, chỉ cần giữ một"
)
CHECK_ABBR_NOT_LIST = "cách viết đầy đủ của '{key}' phải là danh sách, không phải {kind}"
CHECK_ABBR_NOT_LIST_TEXT = (
    "cách viết đầy đủ của '{key}' phải là danh sách, không phải {kind}; hãy viết ['{value}']"
)
CHECK_ABBR_EMPTY_LIST = "từ viết tắt '{key}' chưa có cách viết đầy đủ nào"
CHECK_ABBR_ITEM_NOT_TEXT = "cách viết thứ {n} của '{key}' phải là chuỗi văn bản, không phải {kind}"
CHECK_ABBR_ITEM_EMPTY = "cách viết thứ {n} của '{key}' đang trống"
CHECK_ABBR_ITEM_REPEATED = "cách viết '{value}' của '{key}' lặp lại cách viết tại dòng {line}"
CHECK_SYN_NOT_LIST = "cách nói đồng nghĩa của '{key}' phải là danh sách, không phải {kind}"
CHECK_SYN_NOT_LIST_TEXT = (
    "cách nói đồng nghĩa của '{key}' phải là danh sách, không phải {kind}; hãy viết ['{value}']"
)
CHECK_SYN_EMPTY_LIST = "từ chuẩn '{key}' chưa có cách nói đồng nghĩa nào"
CHECK_SYN_ITEM_NOT_TEXT = "cách nói thứ {n} của '{key}' phải là chuỗi văn bản, không phải {kind}"
CHECK_SYN_ITEM_EMPTY = "cách nói thứ {n} của '{key}' đang trống"
CHECK_SYN_ITEM_REPEATED = "cách nói '{value}' của '{key}' lặp lại cách nói tại dòng {line}"

# -- synonyms -------------------------------------------------------------------------------
CHECK_SYN_KEY_EMPTY = "từ chuẩn '{key}' không còn chữ hoặc số nào sau khi chuẩn hóa"
CHECK_SYN_KEY_REPEATED = "từ chuẩn '{key}' trùng với '{other}' tại dòng {line} sau khi chuẩn hóa"
CHECK_SYN_VARIANT_EMPTY = (
    "cách nói '{value}' của '{key}' không còn chữ hoặc số nào sau khi chuẩn hóa"
)
CHECK_SYN_VARIANT_IS_KEY = (
    "cách nói '{value}' giống hệt từ chuẩn '{key}' sau khi bỏ dấu; không cần ghi"
)
CHECK_SYN_VARIANT_IS_CANONICAL = (
    "cách nói '{value}' của '{key}' là từ chuẩn của nhóm tại dòng {line}; "
    "một từ không thể vừa là từ chuẩn vừa là cách nói của từ khác"
)
CHECK_SYN_VARIANT_TWICE = (
    "cách nói '{value}' của '{key}' đã thuộc từ chuẩn '{other}' tại dòng {line}; "
    "mỗi cách nói chỉ thuộc một từ chuẩn"
)
CHECK_SYNONYM_COLLISION = (
    "câu '{text}' của {where} trở nên giống hệt '{other}' của {other_where} tại dòng {line} "
    "khi thay từ đồng nghĩa ('{rewritten}'); trợ lý sẽ khó phân biệt hai mục này"
)

# -- command-line summary -------------------------------------------------------------------
CHECK_SUMMARY_OK = "OK: {entries} mục, {topics} chủ đề, {abbreviations} viết tắt"
CHECK_SUMMARY_OK_WARNINGS = (
    "OK: {entries} mục, {topics} chủ đề, {abbreviations} viết tắt ({warnings} cảnh báo)"
)
CHECK_SUMMARY_FAILED = "{errors} lỗi, {warnings} cảnh báo"
CHECK_INTERNAL_ERROR = "lỗi nội bộ của công cụ kiểm tra: {error}"


# --------------------------------------------------------------------------------------------
# "Hỏi cán bộ": a question handed to the officers, with the citizen's consent
# --------------------------------------------------------------------------------------------
BUTTON_HANDOFF = "🙋 Hỏi cán bộ"
BUTTON_CONSENT_YES = "✅ Đồng ý"
BUTTON_CONSENT_NO = "✖ Không"
# Decree 13/2023/NĐ-CP: purpose, what is kept, for how long, how to withdraw — before consent.
HANDOFF_CONSENT = (
    "<b>Gửi câu hỏi cho cán bộ</b>\n\n"
    "Câu hỏi: «{question}»\n\n"
    "Để cán bộ trả lời bạn sau, tôi cần lưu <b>cách liên lạc lại với bạn</b>: mã cuộc trò "
    "chuyện này (và chủ đề, nếu trong nhóm), <b>được mã hóa</b>. Không lưu tên, số điện "
    "thoại hay tên người dùng của bạn; cán bộ chỉ thấy số phiếu và nội dung câu hỏi.\n"
    "• Mục đích: chỉ để gửi câu trả lời của cán bộ cho bạn.\n"
    "• Thời hạn: đến khi phiếu đóng, tối đa {days} ngày, rồi tự động xóa.\n"
    "• Rút lại: bất cứ lúc nào bằng /riengtu (xóa phiếu và mọi dữ liệu của bạn).\n\n"
    "Theo Nghị định 13/2023/NĐ-CP, tôi chỉ lưu khi bạn đồng ý. Bạn có đồng ý không?"
)
HANDOFF_TYPE_QUESTION = (
    "Bạn muốn hỏi cán bộ điều gì? Hãy gõ: /hoicanbo và câu hỏi của bạn, ví dụ:\n"
    "/hoicanbo Thủ tục xin cấp giấy phép xây dựng ở xã tôi thế nào?"
)
HANDOFF_UNAVAILABLE = "Hiện chưa có nhóm cán bộ nhận câu hỏi. Xin liên hệ UBND cấp xã."
HANDOFF_SENT = (
    "Đã gửi câu hỏi cho cán bộ: <b>phiếu #{number}</b>. Khi cán bộ trả lời, tôi sẽ chuyển "
    "đến bạn tại đây. Xem lại bằng /cauhoi."
)
HANDOFF_NOT_SENT = (
    "Xin lỗi, chưa gửi được câu hỏi cho cán bộ. Không có gì được lưu lại; bạn vui lòng thử "
    "lại sau."
)
HANDOFF_DECLINED = "Đã hủy. Không có gì được lưu lại."
HANDOFF_STALE = "Yêu cầu này đã hết hạn. Gõ /hoicanbo để hỏi lại."
# In the officers' chat: the ticket number and the question, nothing about who asked.
TICKET_POST = (
    "<b>Phiếu #{number}</b>\n{question}\n\n"
    "<i>Trả lời (reply) tin này để gửi cho người hỏi; /dong {number} để đóng phiếu.</i>"
)
TICKET_REMINDER = "⏰ <b>Phiếu #{number}</b> chưa có trả lời sau {hours} giờ:\n{question}"
TICKET_ANSWER_HEADER = "💬 <b>Cán bộ trả lời phiếu #{number}</b> («{question}»):"
TICKET_ANSWER_SENT = "Đã gửi trả lời phiếu #{number} cho người hỏi."
TICKET_ANSWER_NOT_SENT = "Chưa gửi được trả lời phiếu #{number}: {reason}"
TICKET_REASON_CLOSED = "phiếu đã đóng hoặc đã bị xóa (không còn cách liên lạc)."
TICKET_REASON_TELEGRAM = "Telegram từ chối gửi (người hỏi có thể đã chặn trợ lý)."
TICKET_CLOSED = "Đã đóng phiếu #{number}; cách liên lạc với người hỏi đã bị xóa."
TICKET_NOT_OPEN = "Không có phiếu #{number} đang mở."
TICKET_CLOSE_USAGE = "Cách dùng: /dong số_phiếu, ví dụ /dong 12"
TICKETS_NONE = "Bạn chưa gửi câu hỏi nào cho cán bộ. Gõ /hoicanbo và câu hỏi để gửi."
TICKETS_TITLE = "<b>Câu hỏi bạn đã gửi cán bộ</b>"
TICKET_LINE = "\n\n<b>#{number}</b> – {status}\n❓ {question}"
TICKET_LINE_ANSWER = "\n💬 {answer}"
TICKET_STATUS = {"open": "đang chờ trả lời", "answered": "đã trả lời", "closed": "đã đóng"}
TICKET_RATED = "Cảm ơn bạn đã đánh giá câu trả lời."
TICKET_RATE_REFUSED = "Không đánh giá được phiếu này."
TICKET_ANSWER_MEDIA = "[tệp đính kèm]"
TICKETS_PRIVATE_ONLY = "Danh sách câu hỏi đã gửi cán bộ chỉ xem được trong chat riêng với trợ lý."
TICKET_SNIPPET_NEW_HEADER = (
    "# Mục mới từ phiếu #{number}: thêm vào 'entries:' trong faq.yaml, đặt mã, chủ đề, câu hỏi "
    "chuẩn, nguồn và ít nhất 4 cách hỏi; sau đó: python bot.py check-faq"
)
TICKET_SNIPPET_ID = "phieu-{number}  # đặt mã mới"
TICKET_SNIPPET_TOPIC = "TODO  # mã chủ đề"
TICKET_SNIPPET_QUESTION = "TODO: câu hỏi chuẩn, có dấu"
TICKET_SNIPPET_SOURCE = "TODO: trích nguyên văn căn cứ của câu trả lời"
TICKET_FAQ_USAGE = "Cách dùng: /faq số_phiếu, ví dụ /faq 12"
TICKET_NOT_FOUND = "Không có phiếu #{number}."
TICKET_FAQ_NEAREST = "Mục gần nhất: <b>{id}</b> ({question}), điểm khớp {score:.1f}."
TICKET_FAQ_NONE = "Không có mục nào gần câu hỏi này."
TICKET_FAQ_FAR = (
    "⚠️ Mục gần nhất còn xa (dưới ngưỡng gợi ý {threshold:g}): nên thêm mục mới thay vì "
    "thêm cách hỏi."
)
TICKET_FAQ_ALTERNATE = "<b>Thêm cách hỏi cho mục {id}:</b>"
TICKET_FAQ_NEW = "<b>Hoặc mục mới:</b>"
# A citizen's reply to an officer's answer: to the officers' chat, under the ticket number.
TICKET_FOLLOW_UP = "<b>Phiếu #{number}</b> – người hỏi nhắn thêm:\n{text}"
FOLLOW_UP_SENT = "Đã chuyển tin nhắn của bạn tới cán bộ (phiếu #{number})."
FOLLOW_UP_CLOSED = "Phiếu #{number} đã đóng. Để hỏi tiếp, gõ /hoicanbo và câu hỏi."
HANDOFF_ASKER_ONLY = "Chỉ người đặt câu hỏi mới gửi được câu hỏi này cho cán bộ."
