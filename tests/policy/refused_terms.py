"""Terms a policy must never be able to name: the input of the refusal suite.

Special categories (GDPR Art. 9), speech, protected bases (ECOA), direct identifiers and
guilt by association, with synonyms in several languages and look-alike spellings.
Each term is tried as an event type name, an attribute name and an enum value (the
vocabulary refuses them) and as a feature name and a label (the denylist refuses them).
"""

from __future__ import annotations

POLITICAL = (
    "politics", "political_party", "political_party_affiliation", "party_membership",
    "party_member", "party", "voter_registration", "voting_record", "votes", "election",
    "ballot", "ideology", "partisan", "protest", "protest_attendance", "petition_signed",
    "activist", "activism", "dissent", "dissident", "opinion", "opinions", "rally",
    "rally_attended", "demonstration", "communist", "socialist", "fascist", "anarchist",
    "política", "politique", "politik", "partei", "wahlen", "eleccion", "votante",
    "elezioni", "политика", "партия", "голосование", "政治", "政党", "选举", "投票",
)  # fmt: skip
RELIGION = (
    "religion", "religious", "religious_affiliation", "faith", "belief", "beliefs",
    "creed", "sect", "cult", "church", "church_attendance", "mosque", "temple",
    "synagogue", "worship", "denomination", "prayer", "philosophy", "caste", "atheist",
    "agnostic", "christian", "catholic", "protestant", "muslim", "islam", "jewish",
    "hindu", "buddhist", "sikh", "halal", "kosher", "ramadan", "sabbath", "tithe",
    "spiritual", "clergy", "imam", "rabbi", "priest", "religión", "religião", "kirche",
    "glaube", "konfession", "iglesia", "église", "croyance", "религия", "церковь", "宗教",
    "信仰", "教会",
)  # fmt: skip
ETHNIC = (
    "ethnicity", "ethnic_origin", "ethnic_group", "race", "racial", "skin_colour",
    "skin_color", "skin_tone", "tribe", "tribal", "ancestry", "nationality", "hukou",
    "minority", "indigenous", "aboriginal", "caucasian", "hispanic", "latino",
    "etnia", "ethnie", "raza", "rasse", "herkunft", "этничность", "раса", "民族", "种族",
)  # fmt: skip
HEALTH = (
    "health", "health_score", "medical", "medical_record", "disease", "diagnosis",
    "illness", "sick_days", "disability", "disabled", "handicap", "pregnancy",
    "pregnant", "mental_health", "psychiatric", "psychology", "hospital", "hospital_visit",
    "clinic", "clinic_visit", "pharmacy", "pharmacy_purchase", "prescription", "medication",
    "drugs", "hiv", "covid", "vaccination", "symptom", "therapy", "cancer", "diabetes",
    "obesity", "bmi", "diet", "smoker", "smoking", "alcohol", "addiction", "rehab",
    "doctor", "blood_type", "gesundheit", "krankheit", "behinderung", "schwanger", "salud",
    "saúde", "santé", "enfermedad", "maladie", "здоровье", "болезнь", "инвалидность",
    "健康", "疾病", "医院",
)  # fmt: skip
SEX_LIFE = (
    "sexual_orientation", "sexuality", "sex_life", "orientation", "lgbt", "lgbtq", "gay",
    "lesbian", "bisexual", "transgender", "queer", "homosexual", "heterosexual", "dating",
    "dating_app", "hookup", "orientación", "sexualität", "сексуальность", "性取向",
    "同性恋",
)  # fmt: skip
UNION = (
    "union_member", "union", "trade_union", "labour_union", "labor_union", "unionized",
    "syndicate", "syndicat", "sindicato", "sindacato", "gewerkschaft", "профсоюз", "工会",
)  # fmt: skip
BIOMETRIC_GENETIC = (
    "biometric", "biometrics", "fingerprint", "fingerprint_hash", "face", "face_template",
    "facial_recognition", "face_id", "iris", "iris_scan", "retina", "voiceprint", "voice",
    "gait", "palm_print", "selfie", "photo", "huella", "fingerabdruck", "指纹", "人脸",
    "genetic", "genetics", "genome", "dna", "dna_marker", "gene", "genotype",
    "genetisch", "генетика", "днк", "基因",
)  # fmt: skip
SPEECH = (
    "speech", "speech_made", "chat", "chat_message", "chat_log", "tweet", "tweets",
    "posts", "posting", "message", "messages", "comment", "comments", "blog", "sermon",
    "social_media", "weibo", "wechat", "facebook", "twitter", "instagram", "tiktok",
    "reddit", "youtube", "discurso", "discours", "kommentar", "nachricht", "mensaje",
    "высказывание", "сообщение", "言论", "评论", "微博", "聊天",
)  # fmt: skip
SEX_GENDER = (
    "sex", "gender", "gender_identity", "female", "male", "woman", "women",
    "personal_status_and_sex", "geschlecht", "sexo", "género", "гендер", "性别",
)  # fmt: skip
MARITAL = (
    "marital_status", "married", "unmarried", "spouse", "husband", "wife", "divorced",
    "widowed", "civil_status", "familienstand", "verheiratet", "estado_civil", "casado",
    "état_civil", "женат", "婚姻", "配偶",
)  # fmt: skip
AGE = (
    "age", "ages", "aged", "age_in_years", "birth_year", "year_of_birth", "date_of_birth",
    "birthdate", "birthday", "dob", "elderly", "pensioner", "retiree", "teenager",
    "geburtsdatum", "geburtsjahr", "lebensalter", "edad", "idade", "naissance",
    "nacimiento", "возраст", "年龄", "出生",
)  # fmt: skip
NATIONAL_ORIGIN = (
    "citizenship", "citizen", "national_origin", "foreign_worker", "foreigner",
    "foreign_born", "immigrant", "immigration_status", "emigrant", "migrant",
    "refugee", "asylum_seeker", "country_of_birth", "residence_permit",
    "staatsangehörigkeit", "ausländer", "ciudadanía", "extranjero", "étranger",
    "гражданство", "иностранец", "国籍", "移民",
)  # fmt: skip
PUBLIC_ASSISTANCE = (
    "welfare", "welfare_recipient", "public_assistance", "social_assistance",
    "social_benefits", "food_stamps", "unemployment_benefit", "housing_benefit",
    "child_benefit", "medicaid", "sozialhilfe", "bürgergeld", "hartz_iv",
    "asistencia_social", "aide_sociale", "пособие", "低保",
)  # fmt: skip
IDENTIFIERS = (
    "full_name", "first_name", "last_name", "surname", "forename", "given_name",
    "family_name", "maiden_name", "nickname", "username", "name", "email",
    "email_address", "e_mail", "phone", "phone_number", "telephone", "mobile",
    "mobile_number", "cellphone", "ssn", "social_security_number", "national_id",
    "id_number", "id_card", "passport", "passport_number", "drivers_license",
    "license_plate", "address", "home_address", "postcode", "postal_code", "zip_code",
    "zip", "ip_address", "imei", "device_id", "mac_address", "geolocation", "gps",
    "latitude", "iban", "card_number", "tax_id", "dni", "cpf", "aadhaar", "vorname",
    "nachname", "anschrift", "adresse", "personalausweis", "nombre", "apellido",
    "dirección", "correo", "prénom", "имя", "фамилия", "адрес", "телефон", "паспорт",
    "姓名", "电话", "地址", "身份证", "护照",
)  # fmt: skip
ASSOCIATION = (
    "friends", "friends_score", "friends_avg_score", "friend_count", "followers",
    "contacts", "relatives", "family", "family_score", "kinship", "siblings", "parents",
    "neighbours", "neighbors", "classmates", "coworkers", "colleagues", "social_circle",
    "peer_score", "amigos", "freunde", "amis", "familia", "famille", "verwandte",
    "друзья", "родственники", "朋友", "家人",
)  # fmt: skip
# look-alike spellings: Cyrillic or Greek letters, dotless i, fullwidth forms, invisible
# characters inside a word, and case
LOOK_ALIKES = (
    "religіon",  # Cyrillic і
    "relıgion",  # Latin dotless ı
    "ｒｅｌｉｇｉｏｎ",  # fullwidth
    "reli\u200bgion",  # zero-width space
    "reli\u00adgion",  # soft hyphen
    "reli\u2060gion",  # word joiner
    "ethnіcity",  # Cyrillic і
    "hеalth",  # Cyrillic е
    "heаlth_score",  # Cyrillic а
    "gеnder",  # Cyrillic е
    "ѕex",  # Cyrillic ѕ
    "ａｇｅ",  # fullwidth
    "uniοn_member",  # Greek ο
    "pοlitics",  # Greek ο
    "e\u200dmail",  # zero-width joiner
    "ｓｓｎ",  # fullwidth
    "full\u200c_name",  # zero-width non-joiner
    "citizenſhip",  # long s
    "birth_yеar",  # Cyrillic е
    "fаith",  # Cyrillic а
    "RELIGION",
    "Religion",
    "HealthScore",
    "maritalStatus",
    "birthYear",
)

REFUSED_TERMS: tuple[str, ...] = (
    *POLITICAL,
    *RELIGION,
    *ETHNIC,
    *HEALTH,
    *SEX_LIFE,
    *UNION,
    *BIOMETRIC_GENETIC,
    *SPEECH,
    *SEX_GENDER,
    *MARITAL,
    *AGE,
    *NATIONAL_ORIGIN,
    *PUBLIC_ASSISTANCE,
    *IDENTIFIERS,
    *ASSOCIATION,
    *LOOK_ALIKES,
)

# Honest names and texts the refusal must not catch: accepted as feature names and labels.
HONEST_NAMES: tuple[str, ...] = (
    "credit_union_member",
    "credit_union_loans_repaid",
    "syndicated_loans",
    "account_age_months",
    "age_of_oldest_account",
    "credit_age",
    "phone_bills_paid",
    "foreign_currency_loans",
    "face_value_total",
    "third_party_payments",
    "on_time_payments_24m",
    "late_payments_24m",
    "max_days_late_24m",
    "defaults_7y",
    "loans_repaid_5y",
    "contracts_kept_24m",
    "breaches_24m",
    "identity_level",
    "income_verified_24m",
    "months_since_first_account",
    "active_sources_24m",
    "trust",
    "connections",
    "wealth",
    "reunion",
    "invoice_count",
    "mortgage_payments",
    "rent_paid_on_time",
    "utility_bills_missed",
    "insurance_bills_paid",
    "savings_accounts_opened",
    "deposit_free_bike",
    "rentals_returned_late",
    "damage_severity_max",
    "endorsements_received",
    "corroborated_reports",
    "payment_history",
    "fulfilment",
    "tenure",
    "stability",
)
HONEST_TEXTS: tuple[str, ...] = (
    "Few payments made on time in the last 24 months",
    "Late payments or missed bills in the last 24 months",
    "Short history with reporting partners",
    "Few endorsements from trusted, verified people",
    "Member of a credit union for years",
    "Account age: how long your oldest account has been open",
    "Phone and internet bills paid on time",
    "Paiements en retard au cours des 24 derniers mois",
    "Verspätete Zahlungen in den letzten 24 Monaten",
    "Pagos atrasados en los últimos 24 meses",
    "Просроченные платежи за последние 24 месяца",
    "最近24个月的逾期付款",
    "過去24か月の支払い遅延",
    "Gecikmiş ödemeler ve kapalı hesaplar",  # Turkish: a dotless ı is a letter here, not a disguise
)
