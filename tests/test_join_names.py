"""Names listed inside a message are joined as the user's language joins
them (public_page/lists.py)."""
from trytond.modules.public_page.lists import join_names


def test_join_names():
    assert join_names(['处置方案', '整改措施'], 'zh_CN') == '处置方案、整改措施'
    assert join_names(['Plan', 'Improvements'], 'en') == 'Plan, Improvements'
    assert join_names([], 'zh_CN') == ''
