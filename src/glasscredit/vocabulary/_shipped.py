"""The vocabulary glasscredit ships: the only facts a policy can ask partners to report.

Modelled on Metro 2, the format US furnishers report in: closed code lists, no field for
belief, health or speech, and a furnisher cannot invent a field. Adding a term here is a
reviewed change to glasscredit; its ``rationale`` must say why it is not special-category
data (GDPR Art. 9), not speech, not a protected basis (ECOA) and not a direct identifier.
"""

from __future__ import annotations

from dataclasses import replace

from glasscredit.vocabulary._terms import (
    AttributeTerm,
    EnumValue,
    EventFamily,
    EventTypeTerm,
    Vocabulary,
)

__all__ = ["VOCABULARY"]

# -- attributes shared by several types ---------------------------------------------
_MONEY = (
    "a sum of money set by the contract between the partner and the person: a fact of "
    "the transaction, not a trait, a belief or an identifier of anyone"
)
_REF = (
    "an opaque token the partner chooses (restricted alphabet, at most 128 characters) "
    "so that records of one contract can be linked; it names no person and carries no text"
)
AMOUNT = AttributeTerm(
    "amount",
    "number",
    "the amount concerned, in the major unit of the partner's currency",
    _MONEY,
    unit="currency major unit",
    minimum=0,
)
DAYS_LATE = AttributeTerm(
    "days_late",
    "integer",
    "how many days after the agreed date the obligation was met",
    "a count of days between two dates of a contract; it describes the obligation, not "
    "the person's health, beliefs, origin or identity",
    unit="days",
    minimum=1,
    maximum=3650,
)
ACCOUNT_REF = AttributeTerm("account", "reference", "the partner's account reference", _REF)
LOAN_REF = AttributeTerm("loan", "reference", "the lender's loan reference", _REF)
RENTAL_REF = AttributeTerm("rental", "reference", "the platform's rental reference", _REF)
CONTRACT_REF = AttributeTerm("contract", "reference", "the partner's contract reference", _REF)


def _v(name: str, meaning: str, rationale: str, reviewed: str | None = None) -> EnumValue:
    return EnumValue(name, meaning, rationale, reviewed)


_ASSET_WHY = (
    "a class of rented goods, chosen by the platform's catalogue; it says what was "
    "rented, not who the person is or what they believe"
)
ASSET = AttributeTerm(
    "asset",
    "enum",
    "what kind of asset was rented",
    "a closed list of rented goods: a property of the contract, never of the person",
    values=(
        _v("bike", "a bicycle", _ASSET_WHY),
        _v("scooter", "a kick or motor scooter", _ASSET_WHY),
        _v("car", "a car", _ASSET_WHY),
        _v("home", "a flat or house let for a stay", _ASSET_WHY),
        _v("equipment", "tools or other equipment", _ASSET_WHY),
        _v("other", "any other rented good", _ASSET_WHY),
    ),
)
_BILL_WHY = "the kind of service billed, a property of the bill and not of the person"
BILL_KIND = AttributeTerm(
    "kind",
    "enum",
    "which kind of bill",
    "a closed list of services that send recurring bills; none is a health, religious, "
    "political or union service",
    values=(
        _v("utility", "electricity, gas, water or heating", _BILL_WHY),
        _v(
            "phone",
            "a telephone service bill",
            _BILL_WHY + "; the bill is for a phone service, it never holds a phone number",
            reviewed="direct_identifier",
        ),
        _v("internet", "an internet access bill", _BILL_WHY),
        _v("rent", "rent for a home", _BILL_WHY),
        _v("insurance", "an insurance premium (no detail of the policy or its cover)", _BILL_WHY),
        _v("other", "any other recurring bill", _BILL_WHY),
    ),
)
_ACCOUNT_WHY = "a product class the partner offers; it describes the account, not the person"
ACCOUNT_KIND = AttributeTerm(
    "kind",
    "enum",
    "which kind of account",
    "a closed list of financial products, as Metro 2's account type codes are",
    values=(
        _v("current", "a current (checking) account", _ACCOUNT_WHY),
        _v("savings", "a savings account", _ACCOUNT_WHY),
        _v("credit", "a credit card or credit line", _ACCOUNT_WHY),
        _v("other", "any other account", _ACCOUNT_WHY),
    ),
)
_BAND_WHY = (
    "a coarse band of verified income, which lenders must weigh to assess affordability; "
    "it is an amount, not its source, so receipt of public assistance (an ECOA basis) "
    "is never recorded"
)
INCOME_BAND = AttributeTerm(
    "band",
    "enum",
    "monthly income band in the currency's major unit",
    _BAND_WHY,
    unit="currency major unit per month",
    values=(
        _v("lt_1000", "below 1,000", _BAND_WHY),
        _v("1000_2999", "1,000 to 2,999", _BAND_WHY),
        _v("3000_5999", "3,000 to 5,999", _BAND_WHY),
        _v("6000_9999", "6,000 to 9,999", _BAND_WHY),
        _v("ge_10000", "10,000 or more", _BAND_WHY),
    ),
)
_CATEGORY_WHY = (
    "a breach of a transaction with the partner, established on the transaction's records; "
    "never what the person said, believes or is"
)
MISCONDUCT_CATEGORY = AttributeTerm(
    "category",
    "enum",
    "what the reported misconduct was",
    "a fixed list of breaches of a transaction; it has no entry for speech, opinion, "
    "lifestyle, health or any other conduct outside a contract",
    essential=True,
    values=(
        _v("non_payment", "goods or services received and not paid for", _CATEGORY_WHY),
        _v("fraud", "deceit in a transaction (a fake payment, a false listing)", _CATEGORY_WHY),
        _v("property_damage", "damage to goods lent or rented in a transaction", _CATEGORY_WHY),
        _v("no_show", "a booking confirmed and neither honoured nor cancelled", _CATEGORY_WHY),
        _v("contract_abandonment", "an agreed service started and abandoned", _CATEGORY_WHY),
        _v("fake_listing", "an offer for goods or services that did not exist", _CATEGORY_WHY),
    ),
)
_SUBJECT_WHY = (
    "an opaque subject id (never a name) of the other party to the event; it is an input "
    "to the sybil-resistant trust graph, and no score ever reads that person's score"
)

# -- families ----------------------------------------------------------------------
_PAYMENT = EventFamily(
    "payment",
    "instalments and invoices owed to a partner, paid on time or late",
    "paying what one owes is the core fact of every credit file (FCRA, Metro 2)",
    (
        EventTypeTerm(
            "payment.on_time",
            "positive",
            "on-time payment",
            "a payment made by its due date",
            "a dated payment under a contract; it records that money moved, nothing said",
            (replace(AMOUNT, meaning="amount paid"), ACCOUNT_REF),
        ),
        EventTypeTerm(
            "payment.late",
            "negative",
            "late payment",
            "a payment made after its due date",
            "a dated, late payment under a contract, as Metro 2's 30-180 days past due codes",
            (AMOUNT, DAYS_LATE, ACCOUNT_REF),
        ),
    ),
)
_TERM_MONTHS = AttributeTerm(
    "term_months",
    "integer",
    "the agreed duration of the loan",
    "a duration written in the loan contract, not a property of the person",
    unit="months",
    minimum=1,
    maximum=600,
)
_LOAN = EventFamily(
    "loan",
    "loans opened, repaid and defaulted on",
    "the life of a credit contract, as every credit bureau records it",
    (
        EventTypeTerm(
            "loan.opened",
            "neutral",
            "loan opened",
            "a loan was granted",
            "the start of a credit contract with its amount and term",
            (AMOUNT, _TERM_MONTHS, LOAN_REF),
        ),
        EventTypeTerm(
            "loan.repaid",
            "positive",
            "loan repaid",
            "a loan was repaid in full",
            "the end of a credit contract, met in full",
            (AMOUNT, LOAN_REF),
        ),
        EventTypeTerm(
            "loan.defaulted",
            "negative",
            "loan default",
            "a loan was declared in default",
            "a credit contract not met, as Metro 2's charge-off and collection codes",
            (AMOUNT, LOAN_REF),
        ),
    ),
)
_SEVERITY_WHY = "how badly an object was damaged, assessed on the object, never on the person"
_RENTAL = EventFamily(
    "rental",
    "rentals and shared goods: started, returned, returned late, damaged",
    "keeping the terms of a rental is a contract fact, the core of Sesame-style perks",
    (
        EventTypeTerm(
            "rental.started",
            "neutral",
            "rental started",
            "a rental began",
            "the start of a rental contract: what was rented and whether a deposit was waived",
            (
                ASSET,
                AttributeTerm(
                    "deposit_waived",
                    "boolean",
                    "whether the platform waived the deposit",
                    "a term of the rental contract, decided by the platform",
                ),
                RENTAL_REF,
            ),
        ),
        EventTypeTerm(
            "rental.returned",
            "positive",
            "rental returned",
            "a rented good was returned on time and intact",
            "the end of a rental contract, met on its terms; it says nothing of the person",
            (ASSET, RENTAL_REF),
        ),
        EventTypeTerm(
            "rental.returned_late",
            "negative",
            "late rental return",
            "a rented good was returned after the agreed time",
            "a rental contract met late, counted in days",
            (ASSET, DAYS_LATE, RENTAL_REF),
        ),
        EventTypeTerm(
            "rental.damaged",
            "negative",
            "rental damage",
            "a rented good came back damaged",
            "damage to rented goods with its cost, established on the object",
            (
                ASSET,
                replace(AMOUNT, meaning="cost of the damage"),
                AttributeTerm(
                    "severity",
                    "enum",
                    "how severe the damage was",
                    "a closed scale of damage to an object, never a judgement of the person",
                    values=(
                        _v("minor", "cosmetic damage, usable as is", _SEVERITY_WHY),
                        _v("moderate", "damage that needs a repair", _SEVERITY_WHY),
                        _v("severe", "damage that makes the object unusable", _SEVERITY_WHY),
                    ),
                ),
                RENTAL_REF,
            ),
        ),
    ),
)
_CONTRACT = EventFamily(
    "contract",
    "other contracts with a partner, fulfilled or breached",
    "keeping or breaking an agreed contract, judged on the contract's terms",
    (
        EventTypeTerm(
            "contract.fulfilled",
            "positive",
            "contract fulfilled",
            "a contract was fulfilled",
            "a contract met, with its value: a fact of the contract, not of the person",
            (replace(AMOUNT, meaning="value of the contract"), CONTRACT_REF),
        ),
        EventTypeTerm(
            "contract.breached",
            "negative",
            "contract breach",
            "a contract was breached",
            "a contract not met, with the amount at stake",
            (replace(AMOUNT, meaning="amount at stake"), CONTRACT_REF),
        ),
    ),
)
_BILL = EventFamily(
    "bill",
    "recurring bills (utilities, phone, internet, rent, insurance), paid or missed",
    "paying recurring bills shows payment behaviour for people without a loan history",
    (
        EventTypeTerm(
            "bill.paid",
            "positive",
            "bill paid",
            "a recurring bill was paid",
            "a bill paid, with its amount and the kind of service",
            (AMOUNT, BILL_KIND),
        ),
        EventTypeTerm(
            "bill.missed",
            "negative",
            "missed bill",
            "a recurring bill was not paid",
            "a bill not paid, with its amount and the kind of service",
            (AMOUNT, BILL_KIND),
        ),
    ),
)
_IDENTITY = EventFamily(
    "identity",
    "checks that the account belongs to a real, single person",
    "the check's level is recorded, never the document, its number, a photo or biometrics",
    (
        EventTypeTerm(
            "identity.verified",
            "positive",
            "identity verification",
            "the partner verified the person's identity",
            "that a check happened and how thorough it was; no identifier or biometric is kept",
            (
                AttributeTerm(
                    "level",
                    "integer",
                    "1 document seen, 2 document checked, 3 in person or chip read",
                    "a level of the check's thoroughness; it says nothing about which "
                    "document, nationality or face was seen",
                    unit="level",
                    minimum=1,
                    maximum=3,
                    essential=True,
                ),
            ),
        ),
    ),
)
_INCOME = EventFamily(
    "income",
    "verified income, as a coarse band",
    "affordability is part of responsible lending; only the band is kept, never its source",
    (
        EventTypeTerm(
            "income.verified",
            "positive",
            "income verification",
            "the partner verified the person's income",
            "a verified income band, with no employer, benefit or source named",
            (INCOME_BAND,),
        ),
    ),
)
_ACCOUNT = EventFamily(
    "account",
    "accounts opened and closed with a reporting partner",
    "how long a person has been known to partners is a standard tenure fact",
    (
        EventTypeTerm(
            "account.opened",
            "positive",
            "account opened",
            "an account was opened",
            "the start of a customer relationship with the kind of product",
            (ACCOUNT_KIND,),
        ),
        EventTypeTerm(
            "account.closed",
            "neutral",
            "account closed",
            "an account was closed",
            "the end of a customer relationship with the kind of product",
            (ACCOUNT_KIND,),
        ),
    ),
)
_ENDORSEMENT = EventFamily(
    "endorsement",
    "one person vouches that another is a real person they have dealt with",
    "attests only that an account is a real, vouched-for person; it feeds sybil-resistant "
    "trust and never carries the endorser's score or any text",
    (
        EventTypeTerm(
            "endorsement",
            "positive",
            "endorsement",
            "the endorser vouches for the event's subject",
            "a link between two opaque ids for the trust graph, with no message",
            (
                AttributeTerm(
                    "endorser",
                    "subject",
                    "the subject who vouches (the event's subject is endorsed)",
                    _SUBJECT_WHY,
                    essential=True,
                ),
            ),
        ),
    ),
)
_REPORT = EventFamily(
    "report",
    "misconduct reports from a community, in a fixed list of categories",
    "a report names a breach of a transaction from a fixed list, with evidence held by the "
    "platform; it counts only when corroborated by independent, trusted reporters",
    (
        EventTypeTerm(
            "report.misconduct",
            "negative",
            "misconduct report",
            "a community member reports a breach of a transaction",
            "a categorised breach, never free text, opinion or speech",
            (
                AttributeTerm(
                    "reporter",
                    "subject",
                    "the subject who reports (the event's subject is reported)",
                    _SUBJECT_WHY,
                    essential=True,
                ),
                MISCONDUCT_CATEGORY,
                AttributeTerm(
                    "evidence",
                    "reference",
                    "reference to evidence the community platform holds",
                    _REF + "; the evidence itself stays with the platform",
                ),
            ),
        ),
    ),
)

VOCABULARY = Vocabulary(
    (
        _PAYMENT,
        _LOAN,
        _RENTAL,
        _CONTRACT,
        _BILL,
        _IDENTITY,
        _INCOME,
        _ACCOUNT,
        _ENDORSEMENT,
        _REPORT,
    )
)
