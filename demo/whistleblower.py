"""Demo data of whistleblower: case officers, a deciding leader, reports."""
import datetime as dt

from proteus import Model, Wizard

from demo.base import get_demo_company, make_user

USERS = [
    # login, name, groups
    ('officer', '周敏', ['whistleblower.group_whistleblower_officer']),
    ('officer2', '吴刚', ['whistleblower.group_whistleblower_officer']),
    ('leader1', '王建国', ['whistleblower.group_whistleblower_leader']),
    ]

REPORTS = [
    # channel, days ago, category, site, description, persons concerned,
    # reporter name (None: anonymous), contact, target state, logins of the
    # users excluded for a conflict of interest
    ('written', 2, 'equipment', '二号仓库',
        '二号仓库的叉车刹车失灵，已三次报修，至今无人维修，仍在使用。',
        '仓库主管', '李雷', '手机 139 0000 1234', 'investigating', []),
    ('oral', 1, 'orders', '物流中心',
        '夜班主管强令员工不系安全带在货架顶层作业。',
        '夜班主管', None, None, 'received', []),
    ('email', 20, 'concealment', '河西万达店',
        '上月卸货时叉车撞伤一名员工，门店未上报，伤者被要求请事假。',
        '门店店长', '韩梅梅', 'hanmeimei@example.com', 'proposed',
        # 吴刚 is the store manager's brother-in-law
        ['officer2']),
    ('web', 10, 'training', '五一广场店',
        '新入职员工未经安全培训即上岗操作切片机。',
        '', None, None, 'dismissed', []),
    ]


def _as_user(config, user):
    User = Model.get('res.user', config=config)
    config.user = user.id
    config._context = User.get_preferences(True, {})


def _users(config):
    User = Model.get('res.user', config=config)
    Group = Model.get('res.group', config=config)
    ModelData = Model.get('ir.model.data', config=config)
    users = {}
    for login, name, groups in USERS:
        existing = User.find([('login', '=', login)])
        if existing:
            user, = existing
            for xml_id in groups:
                module, fs_id = xml_id.split('.')
                user.groups.append(Group(
                        ModelData.get_id(module, fs_id, config.context)))
            user.save()
        else:
            user, _ = make_user(login, name, groups, employee_name=name,
                config=config)
        users[login] = user
    return users


def _reporting_employee(name, config):
    Party = Model.get('party.party', config=config)
    Employee = Model.get('company.employee', config=config)
    party = Party(name=name)
    party.save()
    employee = Employee(party=party, company=get_demo_company(config))
    employee.save()
    return employee


def load(config):
    admin = config.user
    users = _users(config)
    employees = {}
    for _, _, _, _, _, _, reporter, _, _, _ in REPORTS:
        if reporter:
            employees[reporter] = _reporting_employee(reporter, config)

    _as_user(config, users['officer'])
    Report = Model.get('whistleblower.report', config=config)
    Employee = Model.get('company.employee', config=config)
    now = dt.datetime.now().replace(microsecond=0)
    for (channel, days, category, site, description, persons, reporter,
            contact, state, excluded) in REPORTS:
        register = Wizard('whistleblower.report.register', config=config)
        register.form.channel = channel
        register.form.received_at = now - dt.timedelta(days=days)
        register.form.category = category
        register.form.site = site
        register.form.description = description
        register.form.persons_concerned = persons
        register.form.anonymous = reporter is None
        if reporter:
            register.form.reporter_name = reporter
            register.form.reporter_employee = Employee(
                employees[reporter].id)
            register.form.reporter_contact = contact
        register.execute('register')
        number = register.form.number
        register.execute('end')
        report, = Report.find([('number', '=', number)])
        if excluded:
            # Before anything else: he never sees the case
            User = Model.get('res.user', config=config)
            report.excluded_users.extend(
                [User(users[login].id) for login in excluded])
            report.save()
        if state == 'received':
            message = report.messages.new()
            message.direction = 'incoming'
            message.text = '每周五晚上都是这样，主管说不系安全带干得快。'
            report.save()
            continue
        report.click('verify')
        if state == 'dismissed':
            report.dismissal_reason = '经核实，涉及员工已于入职当天完成安全培训，有签到记录。'
            report.click('dismiss')
            continue
        report.click('acknowledge')
        report.click('investigate')
        if state == 'investigating':
            note = report.notes.new()
            note.text = '周三现场查看叉车维修记录。'
            report.save()
            continue
        report.findings = '经调查，事故属实，门店店长要求伤者隐瞒。'
        report.proposed_handling = '给予门店店长记过处分，补报事故并为伤者办理工伤。'
        sanction = report.sanctions.new()
        sanction.person = '门店店长'
        sanction.type = 'demerit'
        report.save()
        report.click('propose')

    User = Model.get('res.user', config=config)
    config.user = admin
    config._context = User.get_preferences(True, {})

    # The public report page hands its reports to the first case officer;
    # written without reading the configuration, whose secret is unreadable
    Configuration = Model.get('whistleblower.configuration', config=config)
    Configuration._proxy.write([1], {
            'web_case_officer': users['officer'].employees[0].id,
            }, config.context)
