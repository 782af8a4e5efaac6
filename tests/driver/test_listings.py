from harness.driver.listings import input_schema, read_page

VERSION = "2025-11-25"
GOOD = {"name": "ok", "inputSchema": {"type": "object", "properties": {"a": {"type": "string"}}}}


def test_a_tool_the_sdk_would_reject_is_kept_with_its_defect():
    no_type = {"name": "no_type", "inputSchema": {"properties": {"path": {"type": "string"}}}}
    page = read_page("tools", {"tools": [GOOD, no_type]}, VERSION)
    assert [t["name"] for t in page.items] == ["ok", "no_type"]
    assert page.defects == (("no_type", "inputSchema.type: Field required"),)
    assert page.problem is None and page.unusable == 0


def test_items_without_a_usable_name_are_counted_unusable():
    page = read_page("tools", {"tools": [GOOD, "junk", {"name": 42}]}, VERSION)
    assert [t["name"] for t in page.items] == ["ok"]
    assert page.unusable == 2 and [subject for subject, _ in page.defects] == ["#2", "#3"]


def test_a_page_that_is_not_a_listing_says_why():
    assert read_page("prompts", {"prompts": "none"}, VERSION).problem == "'prompts' is not a list"
    assert read_page("tools", ["x"], VERSION).problem == "the result is not an object"
    page = read_page("tools", {"tools": [GOOD], "nextCursor": 7}, VERSION)
    assert page.items and page.cursor is None and "nextCursor is a int" in (page.problem or "")


def test_templates_are_keyed_by_their_uri_template():
    templates = {"resourceTemplates": [{"name": "n", "uriTemplate": "x://{a}"}]}
    page = read_page("resource_templates", templates, VERSION)
    assert page.items[0]["uriTemplate"] == "x://{a}" and page.cursor is None


def test_a_wrong_shaped_input_schema_still_gives_arguments_a_usable_shape():
    tool = {"name": "t", "inputSchema": {"properties": [], "required": "x"}}
    assert input_schema(tool) == {"properties": {}, "required": []}
    assert input_schema({"name": "t", "inputSchema": "object"}) == {}
    mixed = {"properties": {"a": {"type": "string"}, "b": 3}, "required": ["a", 4]}
    assert input_schema({"name": "t", "inputSchema": mixed}) == {
        "properties": {"a": {"type": "string"}},
        "required": ["a"],
    }
