# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Two approvers click at the same moment, in real concurrent transactions"
import datetime as dt
import threading
import unittest

import pytest

from trytond import backend
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction, TransactionError

RACES = 100


@pytest.mark.postgresql
class ApprovalRaceTestCase(ModuleDatabaseTestCase):
    "Approvals decided at the same moment"
    # The data is committed: work on a database of its own
    modules = ['complaint_plan']

    @classmethod
    def setUpClass(cls):
        if backend.name != 'postgresql':
            raise unittest.SkipTest(
                "needs PostgreSQL: SQLite serialises whole transactions, "
                "so two decisions never overlap")
        super().setUpClass()
        with Transaction().start(DB_NAME, 0) as transaction:
            cls.setup_data()
            transaction.commit()

    @classmethod
    def setup_data(cls):
        pool = Pool()
        User = pool.get('res.user')
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        Level = pool.get('complaint.level')
        Category = pool.get('complaint.category')
        Chain = pool.get('complaint.approval.chain')
        Complaint = pool.get('complaint.complaint')

        company = create_company()
        cls.company_id = company.id
        leading = Group(ModelData.get_id(
                'complaint_plan', 'group_leading_group'))
        with set_company(company):
            employees = [create_employee(company, name)
                for name in ["王建国", "李红", "张明", "张伟"]]
        pair, = Group.create([{'name': "审批甲组"}])
        users = User.create([{
                    'login': f'approver{i}', 'name': e.party.name,
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'employees': [('add', [e.id])], 'employee': e.id,
                    'groups': [('add', [leading.id] + (
                                [pair.id] if i < 2 else []))],
                    } for i, e in enumerate(employees[:3])])
        cls.user_ids = [u.id for u in users]
        level1, = Level.search([('name', '=', "Level 1")])
        Chain.create([{
                    'name': "一级审批", 'level': level1.id,
                    'steps': [('create', [{
                                    'sequence': 1, 'name': "二人会签",
                                    'approver_kind': 'group',
                                    'group': pair.id,
                                    'required_approvals': 2,
                                    'deadline': dt.timedelta(days=1),
                                    }, {
                                    'sequence': 2, 'name': "组长审批",
                                    'approver_kind': 'employees',
                                    'employees': [('add', [employees[2].id])],
                                    'deadline': dt.timedelta(days=1),
                                    }])],
                    }])
        safety, = Category.search([('name', '=', "Safety Incident")])
        with Transaction().set_context(company=company.id):
            complaints = Complaint.create([{
                        'company': company.id,
                        'complainant_name': f"顾客{i}",
                        'subject': f"安全投诉{i}",
                        'description': "...",
                        'category': safety.id,
                        'responsible': employees[3].id,
                        'state': 'planning',
                        'investigation_duties': "调查",
                        'investigation_methods': "调取监控",
                        'measures': "赔偿",
                        'investigation_time': dt.datetime.now(),
                        'investigation_place': "门店",
                        'responsibility': "当班员工负责",
                        'prevention': "加强培训",
                        } for i in range(RACES)])
            Complaint.process(complaints)
        cls.complaint_ids = [c.id for c in complaints]

    def decide(self, user_id, approval_id, barrier, outcomes):
        """Approve as the user, retrying like the RPC dispatcher does on
        lock requests and serialization failures"""
        extras = {}
        waited = False
        for attempt in range(10):
            try:
                with Transaction().start(DB_NAME, user_id, context={
                            '_check_access': True,
                            'company': self.company_id,
                            }, **extras) as transaction:
                    Approval = Pool().get('complaint.approval')
                    if not waited:
                        # Both start their transaction before either decides
                        transaction.connection.cursor().execute('SELECT 1')
                        barrier.wait(timeout=30)
                        waited = True
                    try:
                        Approval.decide([Approval(approval_id)], 'approve')
                    except TransactionError as error:
                        transaction.rollback()
                        error.fix(extras)
                        continue
                    transaction.commit()
            except backend.DatabaseOperationalError:
                continue
            outcomes.append('approved')
            return
        outcomes.append('gave up')

    def test_races(self):
        "Each step approved exactly once, the next one opened exactly once"
        for complaint_id in self.complaint_ids:
            with Transaction().start(DB_NAME, 0):
                Approval = Pool().get('complaint.approval')
                approval, = Approval.search([
                        ('complaint', '=', complaint_id),
                        ('state', '=', 'pending'),
                        ])
                approval_id = approval.id
            barrier = threading.Barrier(2)
            outcomes = []
            threads = [threading.Thread(target=self.decide,
                    args=(user_id, approval_id, barrier, outcomes))
                for user_id in self.user_ids[:2]]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            self.assertEqual(outcomes, ['approved', 'approved'])

        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            Complaint = pool.get('complaint.complaint')
            Notification = pool.get('res.notification')
            for complaint in Complaint.browse(self.complaint_ids):
                first, second = sorted(
                    complaint.approvals, key=lambda a: a.sequence)
                self.assertEqual(first.state, 'approved')
                self.assertEqual(len(first.decisions), 2)
                self.assertEqual(second.state, 'pending')
                self.assertEqual(complaint.state, 'approving')
            # The second step's approver was told once per complaint
            notices = Notification.search([
                    ('user', '=', self.user_ids[2]),
                    ])
            self.assertEqual(len(notices), RACES)
