"""`dumpdata` never writes decrypted ID numbers in production (S14, R4)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


@pytest.mark.parametrize("labels", [(), ("orgs",), ("orgs.Member",), ("needs.Need",)])
def test_production_refuses_dumping_personal_tables(tree, settings, labels):
    settings.PRODUCTION = True
    out = StringIO()
    with pytest.raises(CommandError, match="解密成明文") as refused:
        call_command("dumpdata", *labels, stdout=out)
    assert "lianjian backup" in str(refused.value)
    assert tree.member_a1.id_number not in out.getvalue()


def test_production_dumps_tables_without_personal_data(tree, settings):
    settings.PRODUCTION = True
    out = StringIO()
    call_command("dumpdata", "orgs.Region", stdout=out)
    assert "虹桥街道" in out.getvalue()
    out = StringIO()
    call_command("dumpdata", "orgs", "--exclude", "orgs.Member", stdout=out)
    assert tree.member_a1.name not in out.getvalue()


def test_development_warns(tree, settings):
    settings.PRODUCTION = False
    out, err = StringIO(), StringIO()
    call_command("dumpdata", "orgs.Member", stdout=out, stderr=err)
    assert "警告" in err.getvalue() and "orgs.Member" in err.getvalue()
