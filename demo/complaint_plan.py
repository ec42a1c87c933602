"""Demo data of complaint_plan: roles, categories' handlers, complaints and
approval chain."""
import datetime as dt
from decimal import Decimal

from proteus import Model

from demo.base import make_user

USERS = [
    # login, name, groups, language
    ('clerk', '李娜', ['complaint_plan.group_complaint_clerk'], 'zh_CN'),
    ('handler', '张伟', ['complaint_plan.group_complaint_handler'], 'zh_CN'),
    ('handler2', '刘洋', ['complaint_plan.group_complaint_handler'], 'zh_CN'),
    ('manager', '陈静', ['complaint_plan.group_complaint_manager'], 'zh_CN'),
    ('auditor', '赵磊', ['complaint_plan.group_complaint_auditor'], 'en'),
    ('leader1', '王建国', ['complaint_plan.group_leading_group'], 'zh_CN'),
    ('leader2', '李红', ['complaint_plan.group_leading_group'], 'zh_CN'),
    ('leader3', '张明', ['complaint_plan.group_leading_group'], 'zh_CN'),
    ('leader4', '刘芳', ['complaint_plan.group_leading_group'], 'zh_CN'),
    ('leader5', '黄志强', ['complaint_plan.group_leading_group'], 'zh_CN'),
    ]

COMPLAINTS = [
    # category, channel, days ago, complainant, phone, subject, description,
    # remedy, target state
    ('category_product_quality', 'phone', 1, '王女士', '13800138000',
        '购买的牛奶已过期',
        '顾客在五一广场店购买的纯牛奶，回家后发现生产日期已超过保质期两天。',
        '退货并赔偿', 'received'),
    ('category_service', 'walk_in', 2, '李先生', '13912345678',
        '收银员态度恶劣',
        '顾客在收银台询问会员积分时，收银员不耐烦并出言不逊。',
        '道歉', 'registered'),
    ('category_hygiene', 'web', 3, '赵女士', '13700001111',
        '冷柜有异味',
        '河西万达店冷冻食品柜有明显异味，柜内有积水。',
        '清洁冷柜并检查食品', 'verifying'),
    ('category_billing', 'email', 6, '孙先生', '13600002222',
        '促销价格与结算价格不符',
        '货架标示促销价 19.9 元，结账时按 29.9 元收取。',
        '退还差价', 'planning'),
    ('category_safety', 'phone', 8, '周女士', '13500003333',
        '地面湿滑导致摔倒',
        '顾客在生鲜区因地面湿滑且无警示牌而摔倒，膝盖擦伤。',
        '承担医药费', 'approving'),
    ('category_staff_conduct', 'social_media', 12, '吴先生', '13400004444',
        '保安推搡顾客',
        '顾客在微博发文称出口保安怀疑其偷窃并推搡。',
        '公开道歉', 'responded'),
    ('category_service', 'letter', 30, '郑女士', '13300005555',
        '送货上门延误',
        '网上订购的大米承诺当天送达，实际延误三天。',
        '补偿优惠券', 'closed'),
    # Three customers about the same broken freezer, in their own words:
    # each is probably related to the others
    ('category_product_quality', 'phone', 2, '冯先生', '13811112222',
        '冰柜不冷冰淇淋融化',
        '在五一广场店买的冰淇淋拿回家已经化成水，店员说冰柜坏了两天。',
        '退款', 'registered'),
    ('category_product_quality', 'web', 1, '陈女士', '13922223333',
        '速冻水饺解冻了',
        '五一广场店冷冻柜温度上不去，速冻水饺和汤圆都软了还在卖。',
        '下架并检修冷冻柜', 'registered'),
    ('category_product_quality', 'walk_in', 0, '林先生', '13733334444',
        '冷冻柜坏了',
        '五一广场店冻品区的冷冻柜不制冷，冰淇淋都化了，盒子都变形了。',
        '检修冷冻柜', 'registered'),
    ]
# Level 1 complaints whose six-part plan is written and waits to be submitted
# for approval (提交审批): the browser tests take one through the chain on a
# desktop and the other on a phone
PLANS_TO_SUBMIT = [
    ('category_safety', 'letter', 1, '钱先生', '13511112222',
        '货架倒塌砸伤顾客',
        '五一广场店日化区一组货架倒塌，砸伤顾客左臂。',
        '赔偿医药费并道歉', 'planning'),
    ('category_safety', 'walk_in', 1, '孙女士', '13622223333',
        '扶梯急停顾客跌倒',
        '河西万达店自动扶梯突然急停，顾客跌倒擦伤。',
        '赔偿并检修扶梯', 'planning'),
    ]


def load(config):
    Category = Model.get('complaint.category', config=config)
    Complaint = Model.get('complaint.complaint', config=config)
    Feedback = Model.get('complaint.feedback', config=config)
    Employee = Model.get('company.employee', config=config)
    ModelData = Model.get('ir.model.data', config=config)

    employees = {}
    for login, name, groups, lang in USERS:
        _, employees[login] = make_user(
            login, name, groups, employee_name=name, lang=lang,
            config=config)
    for login, supervisor in [
            ('clerk', 'manager'), ('handler', 'manager'),
            ('handler2', 'manager'), ('manager', 'leader1')]:
        employee = Employee(employees[login].id)
        employee.supervisor = Employee(employees[supervisor].id)
        employee.save()

    def category(fs_id):
        return Category(ModelData.get_id('complaint_plan', fs_id, {}))

    for fs_id, handler in [
            ('category_product_quality', 'handler'),
            ('category_service', 'handler'),
            ('category_hygiene', 'handler'),
            ('category_billing', 'handler2'),
            ('category_safety', 'handler2'),
            ('category_staff_conduct', 'handler2'),
            ('category_other', 'handler')]:
        record = category(fs_id)
        record.responsible_employees.append(Employee(employees[handler].id))
        record.save()

    create_chain(config, employees)

    now = dt.datetime.now().replace(microsecond=0)
    steps = ['registered', 'verifying', 'planning', 'processing',
        'responded', 'closed']
    buttons = dict(zip(steps,
            ['register', 'verify', 'plan', 'process', 'respond', 'close']))
    # A plan awaiting approval stops at the click on "process".
    steps_to = {'approving': 'processing'}
    for (fs_id, channel, days, name, phone, subject, description, remedy,
            state) in COMPLAINTS + PLANS_TO_SUBMIT:
        complaint = Complaint(
            channel=channel, received_at=now - dt.timedelta(days=days),
            complainant_name=name, complainant_phone=phone,
            subject=subject, description=description,
            requested_remedy=remedy, category=category(fs_id))
        complaint.save()
        if state == 'received':
            continue
        for step in steps[:steps.index(steps_to.get(state, state)) + 1]:
            if step == 'planning':
                complaint.occurred_at = complaint.received_at
                complaint.place = '门店'
                complaint.cause = '经核实，情况属实。'
                complaint.interview_notes = '已与当事员工及顾客沟通。'
            elif step == 'processing':
                fill_plan(complaint)
            elif step == 'responded':
                feedback = Feedback(
                    method='phone', date=now, satisfaction='satisfied',
                    content='已电话告知处理结果，顾客表示满意。',
                    reply='经核实情况属实，已按规定处理并补偿，感谢您的监督。')
                complaint.feedbacks.append(feedback)
            elif step == 'closed':
                fill_review(complaint, Employee(employees['manager'].id))
            complaint.save()
            if step == 'processing' and complaint.approval_needed:
                # The level has an approval chain: the plan is submitted
                complaint.click('submit_plan')
            else:
                complaint.click(buttons[step])
        if subject in {p[5] for p in PLANS_TO_SUBMIT}:
            fill_plan(complaint, Employee(employees['handler2'].id))
            complaint.save()
        if state == 'approving':
            approve_as(config, 'manager', complaint)
            approve_as(config, 'leader1', complaint)


def fill_plan(complaint, investigator=None):
    "Write the six elements of the handling plan"
    if investigator:
        complaint.investigation_team.append(investigator)
    complaint.investigation_duties = '店长负责调查，客服专员负责回访。'
    complaint.investigation_time = (
        complaint.received_at + dt.timedelta(days=1))
    complaint.investigation_place = '门店现场'
    complaint.investigation_methods = '调取监控录像，询问当事人。'
    complaint.measures = '向顾客道歉并按规定补偿。'
    complaint.compensation_amount = Decimal('100.00')
    complaint.compensation_description = '购物券'
    complaint.responsibility = '当班员工负主要责任。'
    complaint.prevention = '加强员工服务培训。'


def fill_review(complaint, owner):
    "Write the closing review: the root cause and an improvement action"
    complaint.root_cause = '门店作业规程不完善，员工培训不到位。'
    improvement = complaint.improvements.new()
    improvement.description = '修订门店作业规程并组织全员培训。'
    improvement.owner = owner
    improvement.due_date = (
        complaint.received_at + dt.timedelta(days=30)).date()


def create_chain(config, employees):
    """Level 1 plans go to the head of the complaint office, then to two of
    the five members of the leading group."""
    Chain = Model.get('complaint.approval.chain', config=config)
    Level = Model.get('complaint.level', config=config)
    Group = Model.get('res.group', config=config)
    Employee = Model.get('company.employee', config=config)
    ModelData = Model.get('ir.model.data', config=config)

    level1 = Level(ModelData.get_id('complaint_plan', 'level_1', {}))
    chain = Chain(name='一级投诉处置方案审批', level=level1)
    office = chain.steps.new(name='投诉处理办公室主任审批')
    office.approver_kind = 'employees'
    office.employees.append(Employee(employees['manager'].id))
    office.deadline = dt.timedelta(hours=4)
    leaders = chain.steps.new(name='领导小组审批')
    leaders.approver_kind = 'group'
    leaders.group = Group(ModelData.get_id(
            'complaint_plan', 'group_leading_group', {}))
    leaders.required_approvals = 2
    leaders.deadline = dt.timedelta(hours=24)
    chain.save()


def approve_as(config, login, complaint):
    "Approve the complaint's pending step as the user"
    User = Model.get('res.user', config=config)
    Approval = Model.get('complaint.approval', config=config)
    admin = config.user, config._context
    user, = User.find([('login', '=', login)])
    config.user = user.id
    config._context = User.get_preferences(True, {})
    approval, = Approval.find([
            ('complaint', '=', complaint.id), ('state', '=', 'pending')])
    approval.click('approve')
    config.user, config._context = admin
