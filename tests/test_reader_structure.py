"""Structure an expert reads in any log, whatever its words: where the failure sits (the user's own source file, a
middleware's stack). Lines are real, quoted from the public threads named beside them."""

from __future__ import annotations

from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import load_packs

PACKS = load_packs(plugins=False)

# UCATLAS/xAODAnaHelpers pull 1236 (the fix: BasicEventSelection read EventInfo in histInitialize).
XAOD_USER_SOURCE = [
    "BasicEventSelect         INFO    Calling histInitialize",
    "BasicEventSelection.Ba...ERROR   in retrieve<xAOD::EventInfo_v1>(EventInfo): Both TEvent and TStore objects are "
    "null. Cannot retrieve anything.",
    "/afs/cern.ch/user/v/vpascuzz/work/private/analysis/lxqq/code/DijetFramework_r21/source/DijetFramework/"
    "xAODAnaHelpers/Root/Algorithm.cxx:65:exception: Could not retrieve eventInfo container (EventInfo) for isMC() "
    "check.",
]
# snakemake/snakemake issue 1982 (touch() inside a rule's run block creates no output).
SNAKEMAKE_USER_RULE = [
    "Waiting at most 5 seconds for missing files.",
    "MissingOutputException in rule one  in line 5 of /home/dario/Downloads/Snakefile:",
]


def test_an_error_raised_in_the_users_own_source_file_is_code():
    for lines in (XAOD_USER_SOURCE, SNAKEMAKE_USER_RULE):
        v = diagnose(lines, PACKS)
        assert v.category == "code", v.reason
        assert v.signature == "structure.user_source_error"
        assert "user's own source file" in v.title


def test_the_same_place_in_an_installed_package_or_a_warning_is_no_such_error():
    """A path in the user's area that is an installed package (pip --user, conda, a virtualenv) or a batch system's
    execute directory is no code of theirs; a warning at a line of the user's file stops nothing."""
    installed = [
        "/home/dc/.local/lib/python3.6/site-packages/uproot/reading.py:145: error: could not open",
        "MissingOutputException in line 583 of /home/x/miniconda3/envs/p/lib/python3.8/site-packages/snakemake/a.py:",
        "/home/condor/execute/dir_57112/job/run.cc:12: error: lost",
    ]
    # nils-braun/b2luigi issue 112: a warning, from an installed package in the user's area
    warning = [
        "/afs/desy.de/user/m/meliache/.local/lib/python3.6/site-packages/b2luigi/batch/processes/gbasf2.py:325: "
        "RuntimeWarning: RuntimeError('No output data for gbasf2 project 2021-06-106ac9f82805 found.',)",
        "/afs/desy.de/user/m/meliache/gbasf2.py:325: RuntimeWarning: RuntimeError('No output data')",
    ]
    for line in [*installed, *warning]:
        assert diagnose([line], PACKS).signature != "structure.user_source_error", line


def test_an_earlier_failed_read_explains_the_users_error():
    """The user's code raised because a read failed first: the first real error wins (a ``crash`` role)."""
    lines = ["Error in <TNetXNGFile::Open>: [ERROR] Operation expired", *XAOD_USER_SOURCE[2:]]  # xrootd issue 343
    v = diagnose(lines, PACKS)
    assert v.category == "service", v.reason
