"""The denylist's categories: what each refuses, under which law, and the words for it.

Each category lists word patterns (regular expressions matched in full against one word
of a name or text, or against adjacent words joined: ``skin_colour`` -> ``skincolour``),
patterns that refuse only a whole name (``phone`` is a phone number, ``phone_bills_paid``
is not), and substrings for scripts written without spaces (Chinese). Words are case
folded, stripped of accents and of look-alike letters first, so one spelling covers
``Religion``, ``religión`` and ``relıgion``; other languages' words are listed beside
English (fr, de, es, pt, it, ru, zh).

These lists are the second line: type, attribute and enum value names are already
limited to the vocabulary; the denylist guards the names a policy still chooses freely
(features, dimensions, tiers, perks, sources) and the texts it shows (labels, reasons).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CATEGORIES", "HONEST_PHRASES", "Category", "Kind"]

Kind = Literal["special", "speech", "free_text", "protected", "identifier", "association"]

_ART9 = "a special category of personal data under GDPR Art. 9(1), never processed by glasscredit"
_ECOA = (
    "a basis protected by the US Equal Credit Opportunity Act (Reg. B) and EU "
    "non-discrimination law: it may go to the fairness audit, never into a score"
)


@dataclass(frozen=True, slots=True)
class Category:
    key: str  # the rule name in errors, e.g. "religion_or_belief"
    kind: Kind
    what: str  # "religious or philosophical beliefs"
    law: str
    words: tuple[str, ...]
    whole: tuple[str, ...] = ()
    cjk: tuple[str, ...] = ()


# Phrases whose words are honest together although one alone is not: a credit union is
# a lender, an account's age is not a person's. Removed before matching.
HONEST_PHRASES: tuple[tuple[str, ...], ...] = (
    ("credit", "union"),
    ("credit", "unions"),
    ("account", "age"),
    ("credit", "age"),
    ("loan", "age"),
    ("debt", "age"),
    ("file", "age"),
    ("age", "of", "oldest"),
    ("age", "of", "newest"),
    ("age", "of", "account"),
    ("foreign", "currency"),
    ("foreign", "exchange"),
    ("face", "value"),
    ("syndicated", "loan"),
    ("syndicated", "loans"),
)

CATEGORIES: tuple[Category, ...] = (
    Category(
        "political_opinion",
        "special",
        "political opinions",
        _ART9,
        (
            r"politi\w*", r"partisan\w*", r"ideolog\w*", r"vot(e|es|ed|ing|er|ers)",
            r"elect(ion|ions|oral|orate)\w*", r"ballot\w*", r"protest\w*", r"petition\w*",
            r"activis[mt]\w*", r"dissent\w*", r"dissident\w*", r"opinion\w*", r"rall(y|ies)",
            r"demonstrat(ion|ions|or|ors)", r"party(affiliation|membership|member|members)",
            r"communis[mt]\w*", r"socialis[mt]\w*", r"fascis[mt]\w*", r"anarchis[mt]\w*",
            r"partei\w*", r"wahl(en|er)", r"waehler\w*", r"eleccion\w*", r"elezion\w*",
            r"vot(o|os|ar|ante|antes)", r"scrutin\w*", r"политик\w*", r"политич\w*",
            r"партия", r"партии", r"выбор(ы|ов)", r"голосован\w*",
        ),
        whole=(r"party", r"parties"),
        cjk=("政治", "政党", "党员", "选举", "投票", "抗议"),
    ),
    Category(
        "religion_or_belief",
        "special",
        "religious or philosophical beliefs",
        _ART9,
        (
            r"religi\w*", r"faith\w*", r"belie(f|fs|ve|ver|vers)", r"creed\w*",
            r"sect(s|arian\w*)?", r"cults?", r"church\w*", r"mosque\w*", r"temples?",
            r"synagogue\w*", r"worship\w*", r"denomination\w*", r"pray(s|er|ers|ing)?",
            r"philosoph\w*", r"caste\w*", r"atheis\w*", r"agnostic\w*", r"christian\w*",
            r"catholic\w*", r"protestant\w*", r"muslim\w*", r"islam\w*", r"jew(s|ish)?",
            r"judaism", r"hindu\w*", r"buddhis\w*", r"sikh\w*", r"halal", r"kosher",
            r"ramadan", r"sabbath", r"tithe\w*", r"spiritual\w*", r"clergy", r"imams?",
            r"rabbi\w*", r"priest\w*", r"kirche\w*", r"glaube\w*", r"konfession\w*",
            r"iglesia\w*", r"igreja\w*", r"eglise\w*", r"croyance\w*", r"creencia\w*",
            r"crenca\w*", r"chiesa", r"fede", r"религи\w*", r"вероисповед\w*", r"церк\w*",
            r"мечет\w*", r"вера", r"веры",
        ),
        cjk=("宗教", "信仰", "教会", "佛教", "基督", "伊斯兰", "清真", "寺庙"),
    ),
    Category(
        "ethnic_or_racial_origin",
        "special",
        "racial or ethnic origin",
        _ART9,
        (
            r"ethni\w*", r"etni\w*", r"races?", r"racial\w*", r"racis[mt]\w*", r"raza\w*",
            r"rasse\w*", r"raca", r"skin(colou?r|tone)?", r"tribes?",
            r"tribal", r"ancestr\w*", r"nationalit\w*", r"nacionalidad\w*", r"hukou",
            r"minorit(y|ies)", r"indigenous", r"aboriginal", r"caucasian", r"hispanic",
            r"latin[oax]s?", r"migrationshintergrund", r"herkunft", r"этни\w*", r"раса",
            r"расов\w*", r"национальност\w*",
        ),
        cjk=("民族", "种族", "人种", "户口", "肤色"),
    ),
    Category(
        "health",
        "special",
        "health",
        _ART9,
        (
            r"health\w*", r"medic\w*", r"disease\w*", r"diagnos\w*", r"illness\w*",
            r"sick\w*", r"disabilit\w*", r"disabled", r"handicap\w*", r"pregnan\w*",
            r"mental\w*", r"psychiatr\w*", r"psycholog\w*", r"hospital\w*", r"clinic\w*",
            r"pharmac\w*", r"prescription\w*", r"drugs?", r"hiv", r"covid\w*",
            r"vaccin\w*", r"symptom\w*", r"therap\w*", r"cancer\w*", r"diabet\w*",
            r"obes\w*", r"bmi", r"diets?", r"dietary", r"smok(e|er|ers|es|ing)",
            r"alcohol\w*", r"addict\w*", r"rehab\w*", r"doctors?", r"bloodtype",
            r"gesundheit\w*", r"krank\w*", r"behinder\w*", r"schwanger\w*", r"arzt\w*",
            r"salud", r"saude", r"sante", r"enfermedad\w*", r"maladie\w*", r"malattia\w*",
            r"discapacidad\w*", r"embaraz\w*", r"здоров\w*", r"болезн\w*", r"инвалид\w*",
            r"беремен\w*", r"диагноз\w*",
        ),
        cjk=("健康", "疾病", "医院", "病历", "残疾", "怀孕", "体检", "药"),
    ),
    Category(
        "sex_life_or_orientation",
        "special",
        "a person's sex life or sexual orientation",
        _ART9,
        (
            r"sexual\w*", r"sexlife", r"orientation\w*", r"lgbt\w*", r"gays?", r"lesbian\w*",
            r"bisexual\w*", r"transgender\w*", r"queer\w*", r"homosexu\w*",
            r"heterosexu\w*", r"dating", r"hookups?", r"partnersex", r"orientacion\w*",
            r"sexualit\w*", r"сексуальн\w*", r"ориентаци\w*",
        ),
        cjk=("性取向", "同性恋", "性生活"),
    ),
    Category(
        "trade_union_membership",
        "special",
        "trade-union membership",
        _ART9,
        (
            r"unions?", r"unioni[sz]\w*", r"tradeunion\w*", r"labou?runion\w*",
            r"syndica\w*", r"sindica\w*", r"sindacat\w*", r"gewerkschaft\w*",
            r"профсоюз\w*",
        ),
        cjk=("工会",),
    ),
    Category(
        "biometric",
        "special",
        "biometric data",
        _ART9,
        (
            r"biometr\w*", r"fingerprint\w*", r"faces?", r"facial\w*", r"faceid",
            r"facescan\w*", r"iris", r"retina\w*", r"voice(print\w*|s)?", r"gait",
            r"palm(print\w*)?", r"selfie\w*", r"photo\w*", r"huella\w*",
            r"fingerabdruck\w*", r"gesicht\w*", r"empreinte\w*", r"биометр\w*",
            r"отпечат\w*",
        ),
        cjk=("指纹", "人脸", "面部", "虹膜", "生物识别"),
    ),
    Category(
        "genetic",
        "special",
        "genetic data",
        _ART9,
        (
            r"genetic\w*", r"genom\w*", r"dna", r"genes?", r"genotyp\w*", r"genetisch\w*",
            r"genetica\w*", r"genetique\w*", r"генети\w*", r"днк",
        ),
        cjk=("基因",),
    ),
    Category(
        "speech",
        "speech",
        "speech or what a person writes",
        "freedom of expression: what a person says or writes is never scored (and free text "
        "carries GDPR Art. 9 data)",
        (
            r"speech\w*", r"chat\w*", r"tweet\w*", r"posts", r"posting\w*", r"message\w*",
            r"comment\w*", r"blog\w*", r"sermon\w*", r"utteranc\w*", r"socialmedia",
            r"weibo", r"wechat", r"facebook", r"twitter", r"instagram", r"tiktok",
            r"reddit", r"youtube", r"discurso\w*", r"discours\w*", r"ausserung\w*",
            r"kommentar\w*", r"nachricht\w*", r"mensaje\w*", r"commentaire\w*",
            r"высказыван\w*", r"сообщени\w*", r"коммент\w*", r"речь",
        ),
        cjk=("言论", "发言", "评论", "帖子", "微博", "聊天", "留言"),
    ),
    Category(
        "free_text",
        "free_text",
        "free text",
        "free text can carry anything, speech and GDPR Art. 9 data included: glasscredit "
        "has no free-text attribute",
        (
            r"texts?", r"freetext", r"notes?", r"memos?", r"description\w*", r"remark\w*",
            r"narrative\w*", r"bio", r"content",
        ),
    ),
    Category(
        "sex_or_gender",
        "protected",
        "sex or gender",
        _ECOA,
        (
            r"sex(es)?", r"gender\w*", r"personalstatusandsex", r"females?", r"males?",
            r"wom[ae]n", r"feminine", r"masculine", r"geschlecht\w*", r"sexo", r"genero",
            r"sesso", r"гендер\w*",
        ),
        cjk=("性别",),
    ),
    Category(
        "marital_status",
        "protected",
        "marital status",
        _ECOA,
        (
            r"marital\w*", r"married", r"unmarried", r"spous\w*", r"husbands?",
            r"wi(fe|ves)", r"divorc\w*", r"widow\w*", r"personalstatus", r"civilstatus",
            r"familienstand", r"verheiratet", r"estadocivil", r"casad[oa]s?",
            r"etatcivil", r"женат\w*", r"замуж\w*",
        ),
        cjk=("婚姻", "已婚", "离婚", "配偶"),
    ),
    Category(
        "age",
        "protected",
        "age",
        _ECOA + " (age only in an empirically derived system, never against older people)",
        (
            r"ages?", r"aged", r"birth\w*", r"dob", r"yearofbirth", r"dateofbirth",
            r"elderly", r"pensioner\w*", r"retiree\w*", r"teen\w*", r"geburt\w*",
            r"lebensalter", r"edad", r"idade", r"naissance", r"nacimiento", r"возраст\w*",
            r"рожден\w*",
        ),
        cjk=("年龄", "出生", "生日"),
    ),
    Category(
        "national_origin",
        "protected",
        "national origin or citizenship",
        _ECOA,
        (
            r"foreign\w*", r"immigra\w*", r"emigra\w*", r"migrant\w*", r"migration",
            r"citizen\w*", r"nationalorigin", r"countryofbirth", r"refugee\w*",
            r"asylum\w*", r"residencepermit", r"staatsangehorigkeit\w*", r"staatsburger\w*",
            r"auslander\w*", r"ciudadan\w*", r"extranjer\w*", r"etranger\w*",
            r"cittadinanza", r"гражданств\w*", r"иностран\w*", r"мигрант\w*",
        ),
        cjk=("国籍", "外籍", "移民"),
    ),
    Category(
        "public_assistance",
        "protected",
        "receipt of public assistance",
        _ECOA,
        (
            r"welfare\w*", r"publicassistance", r"socialassistance", r"socialbenefits?",
            r"statebenefits?", r"governmentbenefits?", r"benefitsrecipient\w*",
            r"foodstamps?", r"unemploymentbenefits?", r"housingbenefits?",
            r"childbenefits?", r"disabilitybenefits?", r"medicaid", r"snapbenefits?",
            r"sozialhilfe", r"burgergeld", r"hartz\w*", r"arbeitslosengeld",
            r"asistenciasocial", r"aidesociale", r"пособи\w*",
        ),
        cjk=("低保", "救济", "社会救助"),
    ),
    Category(
        "direct_identifier",
        "identifier",
        "a direct identifier (name, contact detail, address, national number)",
        "data minimisation (GDPR Art. 5(1)(c)): subjects are opaque ids, and glasscredit "
        "stores no names, contact details, addresses or national numbers",
        (
            r"names?", r"fullname", r"firstname", r"lastname", r"surname\w*", r"forename\w*",
            r"givenname", r"familyname", r"maidenname", r"nickname\w*", r"username\w*",
            r"e?mails?", r"emailaddress\w*", r"phonenumber\w*", r"phoneno", r"telephone\w*",
            r"telefon\w*", r"mobilenumber\w*", r"cellphone\w*", r"mobilephone\w*", r"ssn",
            r"socialsecurity\w*", r"nationalid\w*", r"nationalidentity", r"idnumber\w*",
            r"idcard\w*", r"passport\w*", r"driverslicen[cs]e\w*", r"licenseplate\w*",
            r"address(es)?", r"homeaddress", r"postcode\w*", r"postalcode\w*",
            r"zipcode\w*", r"ipaddress\w*", r"imei", r"deviceid\w*", r"macaddress",
            r"geolocation\w*", r"gps", r"latitude", r"longitude", r"iban", r"cardnumber",
            r"taxid", r"dni", r"cpf", r"aadhaar", r"vorname", r"nachname",
            r"familienname", r"anschrift", r"adresse\w*", r"personalausweis\w*",
            r"nombres?", r"apellidos?", r"direccion", r"correo\w*", r"prenom", r"имя",
            r"фамили\w*", r"адрес\w*", r"телефон\w*", r"паспорт\w*",
        ),
        whole=(r"phone", r"phones", r"mobile", r"zip", r"ip", r"nom", r"id"),
        cjk=("姓名", "名字", "电话", "手机", "地址", "身份证", "邮箱", "护照"),
    ),
    Category(
        "association",
        "association",
        "other people's scores, outcomes or ties (guilt by association)",
        "glasscredit's rule against guilt by association, the Sesame Credit practice it "
        "answers: no subject's score depends on another person's score, outcomes or ties",
        (
            r"friend\w*", r"follower\w*", r"contacts", r"contactlist", r"relatives?",
            r"famil(y|ies)", r"kin", r"kinship", r"sibling\w*", r"parents", r"neighbou?r\w*",
            r"classmate\w*", r"coworker\w*", r"colleague\w*", r"socialcircle\w*",
            r"peerscore\w*", r"amig[oa]s?", r"freund\w*", r"amis?", r"amies?",
            r"familias?", r"familie\w*", r"famille\w*", r"verwandt\w*", r"parientes?",
            r"друг", r"друзья", r"друзей", r"родствен\w*", r"семья", r"семьи",
        ),
        cjk=("朋友", "好友", "亲友", "家人", "亲属", "人脉"),
    ),
)  # fmt: skip
