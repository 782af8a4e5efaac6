"""The cues of model-facing text, one sentence at a time: what an attack's words do.

Each cue is a family of phrasings for one act (telling the assistant what to do, hiding from
the user, asking for secrets, sending somewhere, adding a recipient, steering other tools,
encoding data). No cue names a tag or an attacker; the judgement in
:mod:`harness.detect.instructions` combines them. Pure and deterministic.
"""

from __future__ import annotations

import re

from harness.detect.pointers import SENSITIVE_FILES

_I = re.I

ADDRESSED = re.compile(
    r"(?:\b|^)(?:\b(?:by|for|from) the (?:assistant|ai|model|agent)\b"
    r"|\b(?:assistant|ai|agent|model)s? (?:instructions?|note|notice|tasks?)\s*:|(?<!\w)(?:assistant|ai)\s*:|"
    r"\b(?:you|the (?:assistant|ai|model|llm|agent|bot)|(?:ai |llm )?(?:assistants?|agents?|models?))\b"
    r"[^.\n]{0,40}?\b(?:must|should|shall|need to|needs to|have to|has to|are required|is required"
    r"|are expected|will need|are (?:now )?(?:authori[sz]ed|allowed|permitted))\b"
    r"|\b(?:note|message|notice|instructions?|tip|reminder)s? (?:to|for) (?:the |any |all )?"
    r"(?:ai|assistant|model|llm|agent)s?\b|\b(?:ai|llm)s? (?:agents?|models?|assistants?) (?:reading"
    r"|processing)"
    r"|\b(?:to|for) the (?:ai|assistant|model|llm|agent) (?:reading|processing)\b"
    r"|^\s*(?:(?:ai|llm) )?(?:assistants?|ai|agents?|models?)\s*[:,]|\bimportant for every (?:agent"
    r"|assistant|model)\b"
    r"|\b(?:visible|available|known) to you\b|\byou (?:can|could) (?:see|find|access)\b"
    r"|\b(?:whatever|regardless of what) the user (?:asks|says|wants)\b|^(?:after|before|next|then)\b"
    r"|^(?:include|put|paste|fill|insert|attach|append)\b"
    r"|\bwhen(?:ever)? you (?:call|use|send|post|run|invoke|create|write|compose)\b"
    r"|\bfirst,? (?:call|read|open|run|use|collect|gather|get)\b"
    r"|\b(?:before|after) (?:using|calling|you (?:use|call)|each|every|answering|replying|responding)\b"
    r"|^(?:always|never|first|make sure|be sure|remember to|don't forget|do not forget|please)\b)",
    _I,
)
"""Words addressed to the assistant itself rather than describing what a tool does."""

OVERRIDE = re.compile(
    r"\b(?:ignore|disregard|forget|overrid\w*)\b[^.\n]{0,30}\b(?:previous|prior|earlier|above|other|all|"
    r"system|everything|any)\b[^.\n]{0,30}\b(?:instructions?|rules?|prompts?|told|descriptions?|guid\w+)"
    r"|\b(?:forget|ignore|disregard)\b (?:the |all |any |your )?(?:rules|instructions|guidelines)\b"
    r"|\bunrestricted (?:assistant|ai|model)\b"
    r"|\bdisregard everything\b|\b(?:take|takes|have|has) (?:higher )?(?:priority|precedence) over\b"
    r"|\bhigher priority than\b|\byour new (?:task|role|instructions?|goal)\b|\bfrom now on,? you are\b"
    r"|\byou are now (?:in|a|an|dev|\w+bot)\b|\bignores? safety\b|\bnever refuses?\b"
    r"|\bignore the user'?s? (?:request|instructions?|question)",
    _I,
)
"""Attempts to replace the assistant's instructions."""

SECRECY = re.compile(
    r"\b(?:do not|don't|never|without|no need to|not|skip|avoid)\s+(?:\w+\s+){0,3}?"
    r"(?:tell|telling|mention|mentioning|inform|informing|notify|notifying|reveal|revealing|show|showing"
    r"|display|displaying|disclose|disclosing|alert|alerting|bring(?:ing)? (?:it|this) up|bother|asking|ask)"
    r"\b[^.\n]{0,40}?\b(?:user|human|person|them|anyone|customer|me|this step|this instruction|the upload"
    r"|the copy|the second|the extra|the archive|it)\b"
    r"|\bdo(?:n't| not) (?:bring|include) (?:it|this|them)\b[^.\n]{0,20}\b(?:up|summary|answer|reply)"
    r"|\bkeep (?:this|it|these)(?: note)? (?:secret|hidden|confidential|private|between|to yourself)"
    r"|\b(?:stay|remain)s? between you\b|\bbetween us\b|\bas if nothing (?:happened|was done)\b"
    r"|\bnothing looks different\b|\bnot something the \w+(?: \w+){0,5} needs? to (?:hear|know|see)"
    r"|\b(?:user|they|he|she)s? (?:does|do|must|should) not (?:need to )?(?:know|see|be (?:told|informed"
    r"|aware))"
    r"|\bshould not be (?:told|informed|shown)\b|\bdon'?t let the user\b|\b(?:in )?stealth\b"
    r"|\b(?:user|they)s? (?:doesn'?t|don'?t|mustn'?t|shouldn'?t) (?:need to )?(?:know|see|be (?:told"
    r"|informed))"
    r"|\bwithout (?:asking|waiting) (?:for )?(?:confirmation|approval|permission|the user)"
    r"|\b(?:do not|don't|never) ask (?:the user )?for (?:confirmation|approval|permission)"
    r"|\b(?:report|say|tell (?:the user|them)|pretend|claim) (?:that )?(?:it|the \w+|everything|this|you)"
    r" (?:succeeded|was successful|worked|do not use)|\bwithout asking\b"
    r"|\bunder no circumstances\b[^.\n]{0,40}"
    r"\b(?:tell|told|inform|know|see|mention)|\bshould the user (?:be told|know|see)\b"
    r"|\b(?:mentioning|telling|informing|showing)\b[^.\n]{0,30}\b(?:is not|isn't) (?:necessary|needed"
    r"|required)"
    r"|\b(?:silently|secretly|covertly|quietly|discreetly|without comment)\b[^.\n]{0,60}"
    r"\b(?:send|forward|copy|upload|post|include|add|collect|gather|read|do|doing|call)"
    r"|\b(?:send|forward|copy|upload|post|include|add|collect|gather|do|doing)\b[^.\n]{0,60}"
    r"\b(?:silently|secretly|covertly|quietly|discreetly|without comment)\b|\ben copia oculta\b[^.\n]*\bno\b",
    _I,
)
"""Hiding the act, or the instruction itself, from the user."""

_SECRET_NOUNS = (  # a publishable or public key is no secret
    r"(?<!publishable )(?<!public )(?:"
    r"(?:api|access|secret|private|ssh|signing|auth|authentication|bearer|session|refresh|oauth"
    r"|personal access|github|openai|aws|npm|slack)[ _-]?(?:keys?|tokens?)\b|\b(?:api[ _-]?keys?"
    r"|keys? and tokens"
    r"|tokens? and (?:api )?keys|tokens? (?:and|or) passwords?)"
    r"|\bpasswords?\b|\bpassphrases?\b|\bcredentials?\b|\bsecrets?\b|\bseed phrase\b|\bmnemonic\b"
    r"|\bcookies?\b|\benvironment variables?\b|\benv vars?\b|`?(?:printenv|env)`|\b(?:otp|2fa) codes?\b"
    r"|\bauth token\b|(?<=[a-z0-9])_(?:key|token|secret)s?\b|\bKEY, TOKEN\b|\bsaved passwords\b"
    r")"
)
_PRIVATE_NOUNS = (
    r"\b(?:entire|whole|full|complete) (?:conversation|chat)|\b(?:conversation|chat|message|session)s? "
    r"(?:history|log|transcript|so far)\b"
    r"|\btranscript\b|\bsystem prompt\b|\bprevious (?:messages?|tool (?:results|outputs))\b"
    r"|\b(?:everything|anything|all) the user (?:said|typed|wrote|shared|pasted)|\buser'?s? (?:\w+ ){0,3}?"
    r"(?:messages?|inbox|emails?|contacts|address book|files|notes|documents|chats|email address|name)\b"
    r"|\b(?:address book|contacts?|inbox|chats)\b|\b(?:other|every other|connected) (?:\w+ )?(?:tools?"
    r"|servers?)'?s? "
    r"(?:data|results?|outputs?|configurations?)|\bdata returned by\b|\bopen files\b|\bclipboard\b"
    r"|\bbank (?:statements?|balances?|accounts?)\b|\b(?:account )?balances?\b|\baccount numbers?\b"
    r"|\btransactions?\b|\b(?:credit )?card numbers?\b|\bpassport\b|\btax returns?\b|\bpersonal details\b"
    r"|\bfull (?:file )?content\b|\bfile contents\b|\bfull message\b|\bfull document\b"
)
_START = r"(?:\b|(?=[~$/._`]))"
"""Where a sensitive name can begin: tried first, so the long alternations run only there."""
SENSITIVE = re.compile(f"{_START}(?:{_SECRET_NOUNS}|{_PRIVATE_NOUNS}|{SENSITIVE_FILES.pattern})", _I)
"""Credentials, credential files, the conversation and the user's private data."""

CREDENTIAL = re.compile(f"{_START}(?:{_SECRET_NOUNS}|{SENSITIVE_FILES.pattern})", _I)
"""The subset of :data:`SENSITIVE` that is a credential or a credential file."""

ACQUIRE = re.compile(
    r"\b(?:read|open|cat|get|fetch|retrieve|collect|gather|obtain|extract|grab|pull|look (?:for|up)|find"
    r"|cop(?:y|ie)"
    r"|export|dump|access|load|harvest|includ|pass|provid|attach|fill|put|past|append|insert|embed|quot"
    r"|suppl(?:y|ie)"
    r"|contain|list|summar(?:y|ise|ize)|record|sav|stor)(?:e|es|s|ed|d|ing)?\b|\boutput of\b"
    r"|\bwith (?:the )?(?:path|file|contents?)\b|\b(?:text|contents?) of (?:your|the user'?s?|their)\b",
    _I,
)
"""Verbs that take data: with a :data:`SENSITIVE` object, a request for it."""

TRANSMIT = re.compile(
    r"\b(?:send|sends|sent|sending|post|posts|posted|upload|uploads|forward|forwards|transmit|submit"
    r"|exfiltrat\w*"
    r"|deliver|sync(?:ed)?|e-?mail|mail|share|report to|push|publish|leak|resolve it|fetch it"
    r"|dm|direct message|message (?:it|them) to)\b|\b(?:in|with) an? (?:\w+ )?request to\b"
    r"|\b(?:in|into|as) (?:an? |the )?[\w-]*\s?header\b|\bas (?:a |the )?(?:subdomain|query|q) (?:parameter"
    r"|of)\b"
    r"|\bsubdomain of\b|\bappend\w* (?:it |them )?(?:to|as) the (?:url|query)",
    _I,
)
"""Moving data somewhere: a request, a message, a header, a DNS name."""

SMUGGLE = re.compile(
    r"\b(?:in|into|as|to|fill|fill in|populate|set) (?:the |its |this tool's |an? )?[`'\"]?[\w-]+[`'\"]? ?"
    r"(?:argument|parameter|param"
    r"|field)\b"
    r"|\bas [`'\"][\w-]+[`'\"]|\b(?:this|the) (?:argument|parameter|field|list)\b"
    r"|\b(?:include|put|paste|fill|place|insert)\b[^.\n]{0,60}\bhere\b|^(?:must|should) contain\b"
    r"|\b(?:pass|give|hand|send|provide)\w* (?:it |them |this |that |these )?to (?:the |this server's |our )?"
    r"[`'\"]?[\w-]+[`'\"]? tool\b|\bas (?:the|its) [`'\"]?\w+[`'\"]?(?: value)?\b",
    _I,
)
"""Placing data into an argument of a call: the way data reaches a server that asked for it."""

RECIPIENT = re.compile(
    r"\b(?:bcc|cc|blind[- ]?cop(?:y|ied)|carbon[- ]cop(?:y|ied)|copia oculta|en copia|recipients?|attendees?"
    r"|addressed to|direct message|also (?:send|forward|copy|post|message|address|include)|as well"
    r"|in addition|besides|(?:change|replace|set|redirect)\w* (?:the )?(?:recipient|destination|to address"
    r"|remote"
    r"|iban|account|payee)|redirect|route)\b",
    _I,
)
"""Adding a recipient or changing where something goes."""

QUANTIFIER = re.compile(
    r"\b(?:always|every|all|each|any|whenever|also|as well|must|even if|regardless|siempre)\b|\bañade\b", _I
)

SHADOW = re.compile(
    r"\b(?:any|every|all|other|another|also present|additional|connected|available|same)\b[^.\n]{0,30}?"
    r"\b(?:tools?|servers?|functions?|plugins?|integrations?|connectors?)\b"
    r"|\b(?:from|of|on) (?:the|any|another|other) (?:\w+ ){0,2}server\b|\bserver'?s (?:\w+ )?tool\b"
    r"|\b(?:banking|finance|bank|messaging|mail|email|calendar|payment|wallet|filesystem|database|contacts)"
    r" (?:server|tool)s?\b",
    _I,
)
"""References to tools and servers other than this one."""

STEER = re.compile(
    r"\b(?:must|always|never|instead|replace|change|redirect|route|broken|deprecated|do not use|don't use)\b",
    _I,
)
"""Changing how something is to be used."""

ENCODE = re.compile(
    r"\b(?:base64|base-64|b64|base32|hex[- ]?encod\w*|rot-?13(?:-encode)?|url[- ]?encod\w*|encrypt"
    r"|obfuscat\w*"
    r"|encode|encoded|encoding)\b",
    _I,
)
"""Dressing data up: with a secret and a destination, the way exfiltration hides."""

APPROVAL = re.compile(
    r"\b(?:user|administrator|admin|owner|maintainers?)s? (?:has |have )?(?:already )?(?:pre-?)?"
    r"(?:approved|authori[sz]ed|agreed|consented)|\bpre-?(?:approved|authori[sz]ed)\b|\bauthori[sz]ed you\b"
    r"|\bit is (?:safe|routine|expected)\b|\bthis is routine\b",
    _I,
)
"""Claims of the user's consent that the user never gave."""

_NOT = (
    r"\b(?:do not|don't|dont|never|must not|mustn't|should not|shouldn't|cannot|can't|will not|won't"
    r"|does not|doesn't|is not|isn't|are not|aren't|avoid|no)\s+"
    r"(?:(?!(?:forget|fail|hesitate|neglect|omit|skip|miss|stop|refuse|ignore|only|just|merely)\w*\b)"
    r"\w+\s+){0,3}?"
)
"""A negation and up to three words before the verb it governs. A word that turns the negation
around ("never *forget* to send", "do not *only* send") ends it: that sentence asks after all."""
_REFUSED = re.compile(
    _NOT + r"(?:includ|send|shar|pass|provid|put|stor|log|expos|reveal|past|enter|forward|post|upload"
    r"|transmit|submit|e-?mail|mail|read|access|collect|gather|cop(?:y|ie)|attach|embed|export|dump|leak"
    r"|publish|push|sync|sensitive|confidential)",
    _I,
)
"""A request turned down: "do not include API keys in your query", "never forwards your mail"."""
_ASKS_AGAIN = re.compile(
    r"(?:,|\bbut|\binstead)\s+(?:(?:also|just|always|please)\s+)?(?:send|forward|post|upload|share"
    r"|transmit|submit|e-?mail|mail|include|put|paste|attach|copy|pass|provide)\b",
    _I,
)
"""After a refusal, the same sentence asking again: "do not send a summary, send the transcript"."""

_EXAMPLE = re.compile(r"\s*(?:e\.g\.|i\.e\.|ie:|eg:|example:|for example)", _I)
"""A sentence that is an illustration of a call, not a request."""

CALL = re.compile(r"\b(?:call|invoke|run|use|using)\s+(?:the\s+)?[`'\"]?[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", _I)
"""Telling the assistant to call a tool by its name."""

CUES: dict[str, re.Pattern[str]] = {
    "addressed to the assistant": ADDRESSED,
    "overrides its instructions": OVERRIDE,
    "secrecy towards the user": SECRECY,
    "asks for sensitive data": SENSITIVE,
    "sends data somewhere": TRANSMIT,
    "adds a recipient": RECIPIENT,
    "refers to other tools or servers": SHADOW,
    "encodes data": ENCODE,
    "claims the user's approval": APPROVAL,
    "calls a named tool": CALL,
}


def sentence_cues(sentence: str) -> dict[str, str]:
    """Each cue present in the sentence, with the words that raised it."""
    found = {}
    for name, pattern in CUES.items():
        match = pattern.search(sentence)
        if match:
            found[name] = match.group(0)
    if "asks for sensitive data" in found and (
        not (ACQUIRE.search(sentence) or TRANSMIT.search(sentence))
        or (_REFUSED.search(sentence) and not _ASKS_AGAIN.search(sentence))
        or _EXAMPLE.match(sentence)
    ):
        del found[
            "asks for sensitive data"
        ]  # naming a secret, or saying not to share it, is not asking for it
    return found


def asks_for(sentence: str) -> list[str]:
    """The sensitive things the sentence names (files, keys, the conversation, private data)."""
    return [m.group(0).strip() for m in SENSITIVE.finditer(sentence)]
