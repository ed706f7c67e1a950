"""The plug-in checks: the seam's contract suite, then Lab(replace=...) with the reader's component.
A correct component passes both; a wrong one fails with the broken rule's RFC clause or with what the
running system did instead."""

from __future__ import annotations

import pytest

from mip6lab.grading import core
from mip6lab.grading.checks import caches, home_agent_choice, rr_keys, seqno


def _seam_cache_without_expiry():
    from mip6lab.mobility.binding_cache import BindingCache

    class NoExpiry(BindingCache):
        def lookup_valid(self, now, home_address):
            return self.lookup(home_address)

    return NoExpiry


def _quiet(check, *args):
    return check(*args, raise_on_failure=False)


def test_plugged_sequence_compare(capsys):
    assert _quiet(seqno.check_plugged, seqno.reference_seq_gt).passed
    v = _quiet(seqno.check_plugged, lambda a, b: a > b)  # the contract's wrap rule catches it first
    assert not v.passed and "wraps around" in v.text and "§9.5.1" in v.hint
    from mip6lab.grading.system import check_in_system

    never = dict.fromkeys(("ha.sequence_compare", "cn.sequence_compare", "mn.sequence_compare"), lambda a, b: False)
    v = check_in_system("run", "new-foreign-link", never, seqno._registered_again, "h", raise_on_failure=False)
    assert not v.passed and "status=135" in v.text  # the running home agent refuses the second BU


def test_plugged_home_agent_selection(capsys):
    assert _quiet(home_agent_choice.check_plugged, home_agent_choice.reference_choose).passed
    v = _quiet(home_agent_choice.check_plugged, lambda addresses, exclude: addresses[-1] if addresses else None)
    assert not v.passed and "§11.4.1" in v.hint


def test_plugged_rr_keys_and_authenticator(capsys):
    ok = _quiet(rr_keys.check_plugged_tokens, rr_keys.ref_home_token, rr_keys.ref_careof_token, rr_keys.ref_kbm)
    assert ok.passed
    v = _quiet(
        rr_keys.check_plugged_tokens,
        rr_keys.ref_home_token,
        rr_keys.ref_careof_token,
        lambda h, c=None: rr_keys.ref_kbm(c or b"", h),
    )
    assert not v.passed and "Kbm" in v.text and "§5.2.5" in v.hint
    assert _quiet(rr_keys.check_plugged_authenticator, rr_keys.ref_authenticator).passed

    def zeroed(kbm, coa, cn, mh):
        return rr_keys.ref_authenticator(kbm, coa, cn, mh[:-12] + bytes(24))

    v = _quiet(rr_keys.check_plugged_authenticator, zeroed)
    assert not v.passed and "§6.2.7" in v.hint


def test_plugged_tables(capsys):
    from mip6lab.mobility.binding_cache import BindingCache
    from mip6lab.mobility.bul import BindingUpdateList

    assert _quiet(caches.check_seam_binding_cache, BindingCache).passed
    assert _quiet(caches.check_seam_binding_update_list, BindingUpdateList).passed
    v = _quiet(caches.check_seam_binding_cache, _seam_cache_without_expiry())
    assert not v.passed and "lookup_valid" in v.hint


def test_a_hanging_component_ends_the_run_with_a_time_limit(monkeypatch, capsys):
    from mip6lab.grading import system

    monkeypatch.setattr(system, "RUN_TIME_LIMIT", 1.0)

    def spins(addresses, exclude):
        while True:
            pass

    v = system.check_in_system(
        "spin", "ha-discovery", {"mn.home_agent_selection": spins}, lambda lab: None, "hint", raise_on_failure=False
    )
    assert v.status == "failed" and "did not finish within 1 s" in v.text


def test_a_component_that_is_not_written_yet_is_not_attempted(capsys):
    def todo(addresses, exclude):
        raise NotImplementedError()

    with pytest.raises(core.NotAttempted):
        home_agent_choice.check_plugged(todo)


def test_plugged_correspondent_checks(capsys):
    from mip6lab.grading.checks import cn_bu_checks

    assert _quiet(cn_bu_checks.check_plugged, cn_bu_checks.reference).passed
    v = _quiet(cn_bu_checks.check_plugged, lambda view: 135 if view.last_seq is None else 0)
    assert not v.passed and "§9.5" in v.hint and "status" in v.text
