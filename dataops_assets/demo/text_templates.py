"""Sentence templates for the synthetic support-ticket subjects and bodies.

Only the PII_* templates may carry personal data ({name}, {first}, {email}, {phone},
{agent}, {other}, {address}); everything else must stay free of it, so that a body
built without a PII sentence really contains no personal data. The non-personal
placeholders ({order}, {amount}, {sku}, {date}, {invoice}, {product}, {feature},
{code}, {n}) produce tokens that look like identifiers but are not personal data.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

CATEGORIES = ("billing", "technical", "account", "shipping", "other")

SUBJECTS: dict[str, tuple[str, ...]] = {
    "billing": (
        "Charged twice this month",
        "Question about invoice {invoice}",
        "Refund not received",
        "Wrong amount on my bill",
        "Cancel my subscription and refund",
        "Payment failed but money was taken",
        "Unexpected charge of {amount}",
    ),
    "technical": (
        "App crashes on startup",
        "Error {code} when saving",
        "Cannot export my data",
        "Website keeps loading forever",
        "Sync stopped working",
        "Bug in the {feature} page",
        "Notifications not arriving",
    ),
    "account": (
        "Cannot log in to my account",
        "Password reset link expired",
        "Please close my account",
        "Change the e-mail on my account",
        "Two-factor code not accepted",
        "Account locked after update",
    ),
    "shipping": (
        "Where is my order {order}?",
        "Package marked delivered but not here",
        "Wrong item received",
        "Delivery is late",
        "Damaged parcel for {order}",
        "Change delivery address",
        "Tracking number does not work",
    ),
    "other": (
        "Feature suggestion",
        "General question",
        "Feedback on your service",
        "Do you offer student discounts?",
        "Partnership inquiry",
        "Question about your privacy policy",
    ),
}

# Core sentences carry the category signal; a body uses one or two of them.
CORE: dict[str, tuple[str, ...]] = {
    "billing": (
        "I was charged {amount} twice for the same subscription on {date}.",
        "My invoice {invoice} shows {amount} but my plan should cost less.",
        "I cancelled on {date} and I am still being billed every month.",
        "The refund you promised for order {order} has not reached my card yet.",
        "My card payment failed, but the bank statement shows the money was taken.",
        "Please explain the extra charge of {amount} on my last bill.",
        "I upgraded to the annual plan, yet I was billed the monthly price as well.",
        "Can you send me a corrected invoice? The VAT number on {invoice} is wrong.",
    ),
    "technical": (
        "The app crashes when I open settings.",
        "Every time I press \"Save\" I get error {code} and my changes are lost.",
        "The {feature} page stays blank after the latest update.",
        "Exporting to CSV fails halfway with a timeout.",
        "Sync between my phone and laptop stopped on {date}.",
        "The website keeps loading forever in every browser I tried.",
        "Push notifications stopped arriving after I updated to version 4.{n}.",
        "The {product} disconnects from Wi-Fi every few minutes.",
    ),
    "account": (
        "I cannot log in, the site says my password is wrong even after a reset.",
        "The password reset link expires before I can use it.",
        "Please delete my account and all data you hold about me.",
        "I want to change the e-mail address on my account but the form does not save.",
        "The two-factor code is never accepted, so I am locked out.",
        "My account was locked after {n} failed attempts and I cannot unlock it.",
        "I have two accounts by mistake, can you merge them?",
    ),
    "shipping": (
        "My order {order} was supposed to arrive on {date} and it still has not.",
        "The tracking page says delivered but there is no package at my door.",
        "I ordered {sku} but received a completely different item.",
        "The box for order {order} arrived crushed and the {product} is broken.",
        "The tracking number you sent does not work on the courier's website.",
        "Can I still change the delivery address for order {order}?",
        "Only {n} of the items in order {order} were in the parcel.",
        "Delivery has been delayed three times now, what is going on?",
    ),
    "other": (
        "It would be great if the {feature} page had a dark mode.",
        "Do you offer discounts for students or non-profits?",
        "Just wanted to say the new design looks great.",
        "Is there a way to get a paper catalogue of your products?",
        "Where can I read how you use customer data?",
        "Do you have a reseller programme for small shops?",
        "Are you planning to open a store in my area?",
    ),
}

# Extra detail sentences lengthen a body without adding personal data.
DETAIL: dict[str, tuple[str, ...]] = {
    "billing": (
        "The reference on my statement is {invoice}.",
        "I have been a customer for {n} years and this never happened before.",
        "The amount was {amount}, taken on {date}.",
        "I would prefer the refund to go back to the original card.",
    ),
    "technical": (
        "I already reinstalled the app and restarted my phone.",
        "It happens on both Android and iOS.",
        "The problem started on {date} after the update.",
        "I attached a screenshot of error {code}.",
    ),
    "account": (
        "I tried three different browsers and cleared the cache.",
        "I no longer have access to the old phone for the codes.",
        "This started on {date}.",
        "I need access urgently because my subscription renews soon.",
    ),
    "shipping": (
        "The item was {sku}, paid {amount}.",
        "I paid for express delivery, so I would like that refunded.",
        "The courier never left a card or tried to call.",
        "The order was placed on {date}.",
    ),
    "other": (
        "Thanks for reading.",
        "No rush on this one.",
        "I saw this mentioned on your blog on {date}.",
        "Happy to give more feedback if useful.",
    ),
}

OPENERS = ("", "", "Hi,", "Hello,", "Hi there,", "Good morning,", "Hello team,")
CLOSERS = ("", "", "Thanks.", "Thanks in advance.", "Any help appreciated.", "Please advise.")

# Personal-data sentences: at least one of these goes into a body that carries PII.
PII_SENTENCES = (
    "My name is {name}.",
    "You can reach me at {email}.",
    "Please call me back on {phone}.",
    "I spoke with your agent {agent} on the phone but nothing happened.",
    "My colleague {other} has the same problem.",
    "My account e-mail is {email} and my phone number is {phone}.",
    "My address is {address}.",
    "Your agent {agent} told me to write in, my number is {phone}.",
    "This is {name} writing on behalf of my mother {other}.",
)
PII_SIGNOFFS = ("Thanks, {first}", "Regards, {name}", "Best, {name}", "Cheers, {first}")

PRODUCTS = (
    "wireless router", "smart speaker", "fitness tracker", "phone case", "coffee grinder",
    "desk lamp", "bluetooth headset", "tablet stand", "security camera",
)
FEATURES = ("settings", "dashboard", "reports", "billing history", "profile", "search", "export")


def look_alike_tokens(rng: random.Random, as_of: date) -> dict[str, str]:
    """Draw values for the non-personal placeholders (order ids, amounts, SKUs, dates)."""
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return {
        "order": f"ORD-{rng.randint(100000, 999999)}",
        "amount": f"${rng.randint(5, 480)}.{rng.choice(('00', '49', '95', '99'))}",
        "sku": f"SKU-{rng.choice(letters)}{rng.choice(letters)}-{rng.randint(1000, 9999)}",
        "date": (as_of - timedelta(days=rng.randint(1, 45))).isoformat(),
        "invoice": f"INV-{as_of.year}-{rng.randint(1, 99999):05d}",
        "code": f"E-{rng.randint(1000, 9999)}",
        "product": rng.choice(PRODUCTS),
        "feature": rng.choice(FEATURES),
        "n": str(rng.randint(2, 9)),
    }
