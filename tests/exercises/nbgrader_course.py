"""Run nbgrader's own pipeline on one exercise, as an instructor would (README, "Running a course"):
generate the release from the solution, autograde a solved and a blank submission, write feedback.

    python tests/exercises/nbgrader_course.py COURSE_DIR SOLUTION.ipynb

prints one JSON document: {"alice": [score, max_score], "bob": [...], "feedback": [...files...]}.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

CONFIG = """c = get_config()
c.CourseDirectory.course_id = "mip6lab"
c.CourseDirectory.db_url = "sqlite:///{db}"
c.Execute.timeout = 120
c.Execute.shutdown_kernel = "immediate"
c.Execute.extra_arguments = ["--IPKernelApp.log_level=ERROR"]
"""


def main(course: Path, solution: Path) -> dict:
    # nbgrader runs `alembic` from PATH: put this interpreter's bin folder first
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    assignment = "ex"
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(CONFIG.format(db=course / "gradebook.db"))
    (course / "source" / assignment).mkdir(parents=True)
    shutil.copy(solution, course / "source" / assignment / solution.name)
    os.chdir(course)

    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config, PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.merge(Config({"CourseDirectory": {"root": str(course)}}))
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.update_or_create_assignment(assignment)
    _ok(api.generate_assignment(assignment, force=True))
    for student, nb in (("alice", course / "source"), ("bob", course / "release")):
        (course / "submitted" / student / assignment).mkdir(parents=True)
        shutil.copy(nb / assignment / solution.name, course / "submitted" / student / assignment / solution.name)
        _ok(api.autograde(assignment, student, force=True, create=True))
    _ok(api.generate_feedback(assignment, force=True))

    out: dict = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in ("alice", "bob"):
            sub = gb.find_submission(assignment, student)
            out[student] = [sub.score, sub.max_score]
    out["feedback"] = sorted(str(p.relative_to(course)) for p in (course / "feedback").rglob("*.html"))
    return out


def _ok(result: dict) -> None:
    if not result.get("success"):
        raise SystemExit(f"nbgrader failed: {result.get('error')}\n{result.get('log', '')}")


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]))))
