"""The pictures' own requests on every backend: views.js asks /sparql for the graph's located resources and for
labels (GROUP BY, SAMPLE, VALUES, langMatches), and the resource pages' small maps come from a named query with
bound values. The tests are those of test_views.py, run here once per backend.
"""
import pytest

from . import test_views

pytestmark = pytest.mark.live
ALL_BACKENDS = True

test_views_fit_and_draw_real_answers = test_views.test_views_fit_and_draw_real_answers
test_get_resource_page_locates_city_and_partners = test_views.test_get_resource_page_locates_city_and_partners


@pytest.fixture(autouse=True)
def remote_only(backend):
    if backend == "embedded":
        pytest.skip("the embedded store runs these in test_views.py")
