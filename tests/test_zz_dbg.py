import difflib
from pathlib import Path
from cookiecutter.main import cookiecutter
from template_paths import ROOT
A={"service_name": "svcobject", "input_kind": "object", "port": "9710", "route": "legacy", "metrics": "yes"}
def test_x(cookies, tmp_path):
    r = cookies.bake(extra_context={**A, "license": "MIT"})
    ref = cookiecutter(str(ROOT), no_input=True, extra_context=A, output_dir=str(tmp_path/"ref"))
    print("".join(difflib.unified_diff(open(Path(ref)/"service.py").readlines(), open(Path(r.project_path)/"service.py").readlines())))
    assert 0
