from harness.detect.pointers import arguments, destinations, sensitive_files, tool_names


def test_destinations_are_urls_mailboxes_addresses_and_hosts_in_order():
    text = (
        "Post to https://a.example.net/x?k=1, mail ops@b.example.org, then 203.0.113.7:8080 and c.example.io."
    )
    assert destinations(text) == [
        "https://a.example.net/x?k=1",
        "ops@b.example.org",
        "203.0.113.7:8080",
        "c.example.io",
    ]


def test_file_names_and_examples_are_not_destinations():
    assert destinations("Reads config.json or package.json, e.g. jane@example.com") == []


def test_credential_files_are_named():
    assert sensitive_files("read ~/.ssh/id_rsa and ~/.aws/credentials") == [
        "~/.ssh/id_rsa",
        "~/.aws/credentials",
    ]


def test_tools_are_named_when_text_calls_them_tools_and_own_tools_are_left_out():
    text = "Call the get_balance tool, then use `send_email`, then list_directory."
    assert tool_names(text, frozenset({"send_email"})) == ["get_balance"]


def test_arguments_data_is_put_into_are_named():
    assert arguments("pass its content as 'sidenote' and the key in the auth parameter") == [
        "argument 'sidenote'",
        "argument 'auth'",
    ]
