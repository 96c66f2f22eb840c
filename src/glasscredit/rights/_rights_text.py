"""The statement of the person's rights and the glossary, in plain words, for the pages a
person reads (the HTML export): each right with the law it comes from, how to use it
(the command and the web address) and its deadline, taken from the policy."""

from __future__ import annotations

from glasscredit.policy import Policy, format_duration, parse_duration

__all__ = ["GLOSSARY", "plain_duration", "rights_statement"]


_UNIT_WORDS = {"y": "year", "mo": "month", "w": "week", "d": "day", "h": "hour", "min": "minute"}


def plain_duration(policy_duration: str) -> str:
    """A policy duration in words: "30d" -> "30 days", "7y" -> "7 years"."""
    short = format_duration(parse_duration(policy_duration))
    n = "".join(c for c in short if c.isdigit())
    unit = _UNIT_WORDS.get(short[len(n) :])
    if unit is None:
        return short
    return f"{n} {unit}" + ("s" if n != "1" else "")


def rights_statement(policy: Policy, subject: str) -> list[dict[str, str]]:
    """Each right: ``right``, ``law``, ``command``, ``online`` (method and address),
    ``deadline``; the deadlines are the policy's."""
    d = policy.disputes
    s = f"/v1/subjects/{subject}"
    return [
        {
            "right": "See everything held about you, and who read your score",
            "law": "GDPR Art. 15; FCRA 609",
            "command": f"glasscredit export {subject} --out file.json --html file.html",
            "online": f"GET {s}/export, GET {s}/inquiries",
            "deadline": "at once, free of charge",
        },
        {
            "right": "Contest a record you think is wrong: it stops counting while checked",
            "law": "FCRA 611; GDPR Art. 16",
            "command": f'glasscredit dispute open {subject} RECORD --reason "why"',
            "online": f"POST {s}/disputes",
            "deadline": f"answered within {plain_duration(d.deadline)}, or settled in your favour",
        },
        {
            "right": "Have one detail of a record corrected (days late, amount, level)",
            "law": "GDPR Art. 16",
            "command": f'glasscredit dispute open {subject} RECORD --reason "why" '
            "--correct days_late=12",
            "online": f'POST {s}/disputes with "correct"',
            "deadline": f"the partner answers within {plain_duration(d.deadline)}",
        },
        {
            "right": "Bring new information to an open dispute",
            "law": "FCRA 611(a)(1)(B)",
            "command": 'glasscredit dispute inform DISPUTE --information "what is new"',
            "online": f"POST {s}/disputes/DISPUTE/information",
            "deadline": f"once; the dispute gets {plain_duration(d.extension)} more",
        },
        {
            "right": "Ask a person to review a decision made from your score",
            "law": "GDPR Art. 22(3)",
            "command": f'glasscredit review request {subject} tier|perk|partner NAME --why "..."',
            "online": f"POST {s}/reviews",
            "deadline": f"decided within {plain_duration(d.review_deadline)}",
        },
        {
            "right": "Add a statement of your own (up to 100 words), sent with your score",
            "law": "FCRA 611(b); UK Consumer Credit Act s.159",
            "command": f'glasscredit statement set {subject} "your words"',
            "online": f"PUT {s}/statement",
            "deadline": "kept until you remove it",
        },
        {
            "right": "Be told the main reasons when a partner declines you because of your score",
            "law": "FCRA 615(a); Reg B 1002.9",
            "command": f"glasscredit adverse list {subject}",
            "online": f"GET {s}/adverse-actions",
            "deadline": "at once, when the partner records it",
        },
        {
            "right": "Check the arithmetic of your score yourself, offline",
            "law": "glasscredit's own",
            "command": "glasscredit verify-export this-page.html",
            "online": "none needed: it runs on your own computer",
            "deadline": "any time",
        },
        {
            "right": "Have everything about you erased (the operator does it when you ask)",
            "law": "GDPR Art. 17",
            "command": f"glasscredit erase {subject} --yes",
            "online": f"DELETE {s}",
            "deadline": "at once",
        },
        {
            "right": "Old records stop counting by themselves",
            "law": "FCRA 605",
            "command": "nothing to do",
            "online": "nothing to do",
            "deadline": f"negative records after {plain_duration(policy.retention.negative)}",
        },
    ]


#: words this page uses, in plain language
GLOSSARY: list[tuple[str, str]] = [
    ("Score", "A number that sums up your records; higher is better."),
    ("Tier", "The band your score falls in (for example Good); partners use it to decide."),
    (
        "Points",
        "What each part of your score adds or takes away; the score is the base points "
        "plus the points of every part, exactly.",
    ),
    ("Part (dimension)", "A group of related parts, such as payment history or identity."),
    ("Record", "Something a partner reported about you: a payment, a loan, a rental, a check."),
    ("Partner (source)", "A company that reports records about you, such as a bank."),
    (
        "Counts / does not count",
        "Whether a record is used in your score today. Records under "
        "dispute, too old, or replaced by a correction do not count.",
    ),
    ("Dispute", "Your request to have a record checked because you think it is wrong."),
    (
        "Correction",
        "A dispute that asks to change one detail of a record instead of removing "
        "it. When the partner confirms it, the corrected version counts from that day on.",
    ),
    ("Review", "Your request that a person, not a machine, looks again at a decision."),
    ("Statement", "Your own words, attached to your file and sent with your score."),
    ("Perk", "A benefit a partner offers from a certain score, such as no deposit."),
    ("Policy", "The published rules that turn records into points."),
    ("Audit log", "A tamper-evident list of everything the operator did with your file."),
    ("Signature", "The operator's seal on this file: if anyone changes it, the check fails."),
]
