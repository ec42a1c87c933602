"""Demo data of personal_data: the data protection officer and a subject
request of a complainant, found and ready to export."""
from proteus import Model

from demo.base import make_user

USERS = [
    # login, name, groups
    ('dpo', '数据专员', ['personal_data.group_data_protection_officer']),
    ]


def load(config):
    User = Model.get('res.user', config=config)
    admin = config.user
    for login, name, groups in USERS:
        user, _ = make_user(login, name, groups, employee_name=name,
            config=config)

    # 郑女士, whose complaint was closed a month ago, asks what is held
    # about her, giving her number as she writes it
    config.user = user.id
    config._context = User.get_preferences(True, {})
    Request = Model.get('personal_data.subject_request', config=config)
    request = Request(phone='133-0000-5555')
    request.save()
    request.click('find')

    config.user = admin
    config._context = User.get_preferences(True, {})
