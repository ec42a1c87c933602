/* The project's additions to the web client (tryton-sao 8.0).
 *
 * sao's index.html loads custom.js and custom.css from the web root; the
 * Makefile (`make sao`) and the browser tests link web/custom.js and
 * web/custom.css into node_modules/tryton-sao.
 */
(function() {
    'use strict';

    /* 1. Selection widgets keep their value while the form redraws.
     *
     * sao 8.0 bug: Sao.View.Form.Selection.display() refills the <select>
     * with set_selection() (select.empty() then the options: the browser
     * shows the first option) and sets the record's value only in a
     * jQuery .then() callback, i.e. in a later task. A button clicked or a
     * save started in between runs Form.set_value(), which calls
     * set_value() of every widget: the selection's first option was written
     * into the record and saved (a complaint's channel became "phone").
     *
     * Fix: set_selection() selects the record's current value at once when
     * it is among the options; when it is not (an inactive value that
     * display() appends later), the widget neither reports a change nor
     * writes its value until display() has set it, unless the user is on
     * the widget. */
    const Selection = Sao.View.Form.Selection.prototype;

    const set_selection = Selection.set_selection;
    Selection.set_selection = function(selection, help) {
        set_selection.call(this, selection, help);
        this._value_pending = false;
        if (this.record && this.field) {
            const value = JSON.stringify(this.field.get(this.record));
            const option = this.select.find('option').filter(
                (i, element) => element.value === value);
            if (option.length) {
                this.select.val(value);
            } else {
                this._value_pending = true;
            }
        }
    };

    const display_update_selection = Selection.display_update_selection;
    Selection.display_update_selection = function() {
        const prm = display_update_selection.call(this);
        prm.always(() => {
            this._value_pending = false;
        });
        return prm;
    };

    Selection._redrawing = function() {
        return this._value_pending &&
            (document.activeElement !== this.select[0]);
    };

    const set_value = Selection.set_value;
    Selection.set_value = function() {
        if (this._redrawing()) {
            return;
        }
        return set_value.apply(this, arguments);
    };

    const modified = Object.getOwnPropertyDescriptor(Selection, 'modified');
    Object.defineProperty(Selection, 'modified', {
        configurable: true,
        get: function() {
            if (this._redrawing()) {
                return false;
            }
            return modified.get.call(this);
        },
    });

    /* 2. Times to the second. trytond's fields.Timestamp (the product's
     * due dates, acknowledgement and decision times, create_date) has the
     * format '%H:%M:%S.%f', which sao shows with the fractions of a second
     * ("2026-12-05 15:45:55.0"); nobody reads a deadline to the
     * microsecond. Only the display format changes, not the value. */
    const time_format = Sao.field.DateTime.prototype.time_format;
    Sao.field.DateTime.prototype.time_format = function(record) {
        const format = time_format.call(this, record);
        return (typeof format == 'string') ?
            format.replace(/[.,]%f$/, '') : format;
    };

    /* A date-time widget compares the value with what it shows, and the
     * form writes what every widget shows back into the record before a
     * save, a button or a new record. Both as shown, to the second, or a
     * time stored with fractions (a registered complaint's acknowledgement)
     * reads as changed by the user: 新建 is disabled, leaving the record
     * asks to save it and saving another change rewrites the time cut to
     * the second. */
    const DateTime = Sao.View.Form.DateTime.prototype;
    Object.defineProperty(DateTime, 'modified', {
        configurable: true,
        get: function() {
            if (this.record && this.field) {
                const format = this.get_format();
                return (this._format(format, this.field.get_client(this.record))
                    != this._format(format, this.get_value()));
            }
            return false;
        },
    });

    const set_datetime = DateTime.set_value;
    DateTime.set_value = function() {
        if (this.modified) {
            set_datetime.apply(this, arguments);
        }
    };

    /* Text being typed survives a redraw. A change of another field (a
     * selection just picked) redraws the form in a later task, and the text
     * widgets then put the record's value back into the input: what the
     * user typed in the meantime, not yet written into the record, was
     * lost. While the input has the focus, the user changed it and the
     * record still holds what it showed, the widget keeps the typed text. */
    for (const Widget of [Sao.View.Form.Char, Sao.View.Form.Text]) {
        const text_display = Widget.prototype.display;
        Widget.prototype.display = function() {
            const input = this.input && this.input[0];
            const typing = input && (document.activeElement === input) &&
                (this._shown_record === this.record) &&
                (input.value !== this._shown);
            const typed = input && input.value;
            const result = text_display.apply(this, arguments);
            if (input) {
                const unchanged = (input.value === this._shown);
                this._shown_record = this.record;
                this._shown = input.value;
                if (typing && unchanged) {
                    input.value = typed;
                }
            }
            return result;
        };
    }

    /* The counts of a list's tabs follow the buttons: sao counts them again
     * after a save but not after a button, so a complaint registered from
     * its form still counted among those to register.
     * A button of a list inside a form may change the form's other lists
     * (Same Incident on a probably related complaint adds it to the
     * complaint's Same Incident list): sao reads the form's record again
     * but keeps the lists it read, so the form showed the old ones until
     * opened again. Unless the record has changes not saved, its lists are
     * read again too. */
    const button = Sao.Screen.prototype.button;
    Sao.Screen.prototype.button = function(attributes) {
        const prm = button.call(this, attributes);
        if (prm && this.screen_container &&
                this.screen_container.tab_domain.length) {
            prm.always(() => this.count_tab_domain());
        }
        if (prm && this.group.parent) {
            prm.always(() => {
                const root = this.group.parent.root_parent;
                if (root.id < 0 || root.modified) {
                    return;
                }
                for (const [name, field] of Object.entries(
                        root.model.fields)) {
                    if (field instanceof Sao.field.One2Many) {
                        delete root._loaded[name];
                    }
                }
                root.reload().then(() => {
                    for (const screen of root.group.screens) {
                        screen.display();
                    }
                });
            });
        }
        return prm;
    };

    /* 3. The web client's own strings that sao 8.0's locale files leave
     * untranslated (locale/<lang>.json of tryton-sao), merged into the
     * catalog when sao loads it; a translation sao has wins. */
    const TRANSLATIONS = {
        'zh_CN': {
            'Check menu entries to add favorites': '勾选菜单项以加入收藏',
            'Add to favorites': '加入收藏',
            'Remove from favorites': '移出收藏',
            'Email': '电子邮件',
            'Error: "%1". Try again later.': '错误：“%1”。请稍后再试。',
            'Send you an email to reset your password.':
                '向您发送一封重置密码的电子邮件。',
            'Reset forgotten password': '重置忘记的密码',
            'A request to reset your password has been sent.\nPlease check your mailbox.':
                '重置密码的请求已发送。\n请查收您的邮箱。',
            'Concurrency Warning': '并发修改警告',
            'Details': '详情',
            'Chat': '聊天',
            'Chat on the record': '就该记录聊天',
            'Email...': '电子邮件…',
            'Send an email using the record': '用该记录发送电子邮件',
            'Select a color for "%1"': '为“%1”选择颜色',
            'Restore': '恢复',
            'Copy Selected Rows': '复制所选行',
            'Reset Column Widths': '重置列宽',
            'Failed to copy text to clipboard: %1': '复制到剪贴板失败：%1',
            'Module:': '模块：',
            'XML ID:': 'XML 标识：',
            'Email %1': '电子邮件 %1',
            'Add a follower': '添加关注者',
            'Subscribe a follower to this channel': '为该频道添加关注者',
            'Show followers': '显示关注者',
            'Unsubscribe': '取消关注',
            'Subscribe': '关注',
            'Are you sure to unsubscribe "%1" from this channel?':
                '确定让“%1”取消关注该频道吗？',
            'Enter a message': '输入消息',
            'Submit the message': '发送消息',
            'Make this an internal message': '设为内部消息',
            'No notifications at this time': '暂无通知',
            'All Notifications...': '全部通知…',
            'Preferences...': '偏好设置…',
            'Help...': '帮助…',
            // The title of the preferences' dialog, which sao does not
            // pass through gettext (see Sao.Dialog below)
            'Preferences': '偏好设置',
        },
    };

    // Sao.Window.Preferences opens new Sao.Dialog('Preferences', ...) with
    // its title untranslated: translate the titles of the dialogs (a title
    // already translated has no entry and stays as it is)
    const dialog_init = Sao.Dialog.prototype.init;
    Sao.Dialog.prototype.init = function(title, ...args) {
        if (title) {
            title = Sao.i18n.gettext(title);
        }
        return dialog_init.call(this, title, ...args);
    };

    const loadJSON = Sao.i18n.loadJSON;
    Sao.i18n.loadJSON = function(data, domain) {
        const language = (data[''] && data[''].language) || '';
        const translations = TRANSLATIONS[language] ||
            TRANSLATIONS[language.replace('-', '_')] || {};
        for (const [msgid, msgstr] of Object.entries(translations)) {
            if (!data[msgid]) {
                data[msgid] = msgstr;
            }
        }
        if (language.startsWith('zh')) {
            // sao's zh_CN ends some sentences with the ASCII full stop
            // (记录保存成功.): the Chinese one after Chinese text
            for (const [msgid, msgstr] of Object.entries(data)) {
                if (msgid && typeof msgstr === 'string') {
                    data[msgid] = msgstr.replace(
                        /([\u3400-\u9fff”」）])\.(?=\s|$)/g, '$1。');
                }
            }
        }
        return loadJSON.call(this, data, domain);
    };

    /* 4. The bell counts new work without a reload when there is no bus.
     *
     * The web client learns of new notifications through trytond's bus,
     * which needs PostgreSQL channels: on SQLite (`make run`) it is not
     * served and the badge would change only at the next login. While the
     * bus is not listening, ask the server for the count every
     * BELL_SECONDS. */
    const BELL_SECONDS = 20;
    window.setInterval(function() {
        const session = Sao.Session.current_session;
        if (session && session.user_id && !Sao.Bus.listening &&
                !document.hidden) {
            Sao.NotificationMenu.count();
        }
    }, BELL_SECONDS * 1000);
}());
