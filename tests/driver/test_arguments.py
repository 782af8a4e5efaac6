from harness.canary import CanaryFactory
from harness.driver.arguments import argument_variants, arguments_for

SEND_EMAIL = {
    "type": "object",
    "properties": {
        "to": {"type": "string", "format": "email"},
        "subject": {"type": "string"},
        "textBody": {"type": "string"},
        "from": {"type": "string"},
        "fromDate": {"type": "string"},
        "tag": {"type": "string"},
        "templateId": {"type": "integer", "minimum": 5},
        "templateModel": {"type": "object"},
        "link": {"type": "string"},
        "kind": {"enum": ["a", "b"]},
    },
    "required": ["to"],
}


def test_every_string_argument_carries_its_own_canary():
    canaries = CanaryFactory()
    args, _ = arguments_for(SEND_EMAIL, canaries)
    strings = [args["to"], args["subject"], args["textBody"], args["from"], args["tag"], args["link"]]
    strings += list(args["templateModel"].values())
    for value in strings:
        assert sum(token in value for token in canaries.tokens) == 1, value
    assert len(set(canaries.tokens)) == len(canaries.tokens) == len(strings)


def test_email_and_url_arguments_are_what_the_call_names():
    canaries = CanaryFactory()
    args, planted = arguments_for(SEND_EMAIL, canaries)
    assert planted.emails == {args["to"].lower(), args["from"].lower()}
    assert all(e.endswith("@" + canaries.mail_domain) for e in planted.emails)
    assert planted.hosts == {args["link"].split("/")[2]}


def test_dates_numbers_and_enums_follow_the_schema():
    args, _ = arguments_for(SEND_EMAIL, CanaryFactory())
    assert args["fromDate"] == "2025-09-01"
    assert args["templateId"] == 5
    assert args["kind"] == "a"


def test_a_tool_without_parameters_gets_an_empty_object():
    assert arguments_for({"type": "object"}, CanaryFactory())[0] == {}


def test_arrays_and_nullable_unions_are_filled():
    schema = {
        "type": "object",
        "properties": {
            "cc": {"type": "array", "items": {"type": "string", "format": "email"}},
            "note": {"anyOf": [{"type": "null"}, {"type": "string"}]},
        },
    }
    args, planted = arguments_for(schema, CanaryFactory())
    assert len(args["cc"]) == 1 and args["cc"][0].lower() in planted.emails
    assert isinstance(args["note"], str)


def test_variants_drop_one_optional_field_at_a_time_then_keep_only_required_ones():
    schema = {
        "type": "object",
        "properties": {
            "to": {"type": "string"},
            "templateId": {"type": "integer"},
            "templateAlias": {"type": "string"},
        },
        "required": ["to"],
    }
    canaries = CanaryFactory()
    keys = [sorted(args) for args, _ in argument_variants(schema, canaries)]
    assert keys == [
        ["templateAlias", "templateId", "to"],
        ["templateAlias", "to"],
        ["templateId", "to"],
        ["to"],
    ]


def test_variants_mint_canaries_only_when_asked_for():
    canaries = CanaryFactory()
    variants = argument_variants(SEND_EMAIL, canaries)
    next(variants)
    minted = len(canaries.tokens)
    assert minted > 0
    next(variants)
    assert len(canaries.tokens) > minted


def test_a_server_that_rejects_canaries_is_offered_the_examples_its_schema_gives():
    schema = {
        "type": "object",
        "properties": {
            "timezone": {
                "type": "string",
                "description": "IANA name (e.g., 'America/New_York', 'Asia/Tokyo')",
            },
            "lang": {"type": "string", "examples": ["de"]},
            "note": {"type": "string"},
        },
        "required": ["timezone"],
    }
    canaries = CanaryFactory()
    variants = argument_variants(schema, canaries)
    first, _ = next(variants)
    assert first["timezone"] != "America/New_York"
    second, _ = next(variants)
    assert (second["timezone"], second["lang"]) == ("America/New_York", "de")
    assert any(token in second["note"] for token in canaries.tokens)


def test_a_schema_without_examples_gets_no_extra_variant():
    schema = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    assert len(list(argument_variants(schema, CanaryFactory()))) == 1
