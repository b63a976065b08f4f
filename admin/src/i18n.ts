// The console's texts in English and Japanese. `t` only takes keys that exist in English, and the
// Japanese table must have every one of them (tsc checks both), so no screen shows a raw key.
import { signal } from '@preact/signals';

const en = {
  // answers: FAQ editor, try box, unanswered questions, flow settings
  sec_unanswered: 'Unanswered questions', variants: 'Also asked as', variantsHelp: 'Other ways visitors ask this, one per line: each is matched like the question.', variant: 'Variant',
  addVariant: 'Add a variant', viaVariant: 'variant', viaQuestion: 'the question', viaKeywords: 'the keywords', viaAnswer: 'the answer', viaMeaning: 'meaning (embeddings)',
  matchedThrough: 'Matched through', matchedWords: 'Matched words', wordsCovered: 'Your words covered:', similarity: 'similarity',
  modeFused: 'words and meaning', modeLexical: 'words only', threshold: 'answers from', yourWords: 'words read', providerFallback: 'Embeddings provider not used',
  noMatch: 'No entry shares a word with this question.', entryLanguage: 'Language', languageFromQuestion: 'From the question', embedded: 'meaning indexed',
  weeklyMisses: 'Questions the bot could not answer, per week', notAnswered: 'not answered', askedForPerson: 'asked for a person', resolved: 'resolved',
  asked: 'Asked', lastAsked: 'last', operatorReplied: 'The operator replied:', allAsked: 'Every way it was asked', createEntry: 'Create an entry',
  addAsVariant: 'Add as a variant', dismiss: 'Dismiss', dismissed: 'Dismissed.', entryCreated: 'Entry created; the bot answers this now.', variantAdded: 'Variant added.',
  saveEntry: 'Save the entry', variantOf: 'Variant of', unansweredHelp: 'What visitors asked that the bot could not answer, or answered and they still asked for a person. Grouped by similarity, with what the operator replied.',
  openQuestions: 'Open', noUnanswered: 'Nothing open: the bot answered everything it was asked, or you handled it.',
  freeText: 'Visitors can type', freeTextOffHelp: 'Choice-only: visitors pick from the menu and suggested questions; the text box appears once a person is asked for.',
  typingPause: 'Bot typing pause (ms)', suggestedQuestions: 'Suggested questions', suggestionsHelp: 'Up to 6 entries shown under the welcome, answered at once.',
  noEntriesYet: 'Add FAQ entries first.', act_faq: 'An FAQ answer', missingEntry: '(entry missing)',
  editOrigins: 'Edit label and origins', revokeKey: 'Revoke key',
  firstRunTitle: 'Get started', firstRunInstall: 'Install the chat on your site', firstRunCreateKey: 'Create a key for your site, then paste its snippet before </body>.',
  firstRunAvailable: 'Go Available so chats reach you', goAvailable: 'Go Available', firstRunTry: 'Try the widget as a visitor would', firstRunOpenWidget: 'Open your widget in a new tab',
  firstRunNeedsKey: 'Needs a key first.', firstRunHide: 'Hide this checklist', stepDone: 'done',
  afterClose: 'When a visitor writes into a closed conversation', afterCloseReopen: 'Reopen it (back to the operator who had it)', afterCloseNew: 'Start a new conversation linked to it',
  csatSetting: 'Ask visitors to rate the conversation (1–5) once it is closed', rating: 'Rating',
  pageTrackingSetting: 'Show operators the page the visitor is on (page, referrer, browser, local time)', currentPage: 'Page', localTime: 'Local time', browserDevice: 'Browser', browserLanguage: 'Browser language', referrer: 'Came from', pagesVisited: 'Pages in this conversation', device_phone: 'phone', device_tablet: 'tablet', device_desktop: 'desktop',
  exportList: 'Export CSV', exportConversation: 'Download this conversation (every message and note)',
  autoCloseSetting: 'Close idle conversations', autoCloseBot: 'With the bot, after (minutes)', autoCloseVisitor: 'Waiting on the visitor after an operator replied, after (minutes)', autoCloseHelp: '0: never. A conversation waiting on your team never closes by itself; the visitor is asked for a rating.',
  sec_categories: 'Categories', categoryName: 'Name', categoryKeywords: 'Keywords the visitor may write (comma-separated)', categoryFaqs: 'Or the bot answered with', categoriesHelp: 'At a handoff and at the close, a conversation nobody has put in a category gets the first one here whose keywords the visitor wrote or whose FAQ answer the bot gave.', category: 'Category', noCategory: 'No category', allCategories: 'All categories', sys_category_rules: 'Category: {name} (by the rules)', sys_category_set: 'Category set to {name}', sys_category_cleared: 'Category removed',
  emailSetting: 'Email', transcriptEmailSetting: 'Visitors can have the transcript emailed to them', offlineEmailsSetting: 'Messages left while nobody is available go to', offlineEmailsHelp: 'Up to 5 addresses, one per line. Empty: the owners.', emailUnavailable: 'This deployment sends no email (set MAIL_FROM and the EMAIL binding, see the README).', sys_mail_transcript: 'The visitor asked for the transcript by email ({to})', sys_mail_confirmed: 'The transcript was emailed to {to} (address confirmed)', sys_mail_offline: 'The message was emailed to the team ({to})',
  prechatSetting: 'Pre-chat form', prechatFields: 'Ask for', prechatOff: 'Nothing', prechatName: 'Name', prechatNameEmail: 'Name and email', prechatNameRequired: 'Name required', prechatEmailRequired: 'Email required', prechatWhen: 'When', prechatAtStart: 'Before the first message', prechatAtHandoff: 'Before talking to a person', visibleInWidget: 'Visitors can choose this team in the widget', saveLabels: 'Save labels',
  err_generic: 'That did not work. Please check what you entered and try again.', err_network: 'The server could not be reached. Check your connection and try again.',
  err_field_allowed_origins: 'Enter each site as an origin like https://shop.example.com — scheme, host and port only, no path; the only wildcard is the port (http://localhost:*).',
  err_field_label: 'Give the key a name of 1 to 100 characters.', err_field_name: 'Enter a name of 1 to 100 characters.', err_field_company: 'Enter a company name of 1 to 100 characters.',
  err_field_email: 'Enter a valid email address.', err_field_password: 'Use at least 10 characters.', err_field_new_password: 'Use at least 10 characters.',
  err_field_capacity: 'Capacity is a whole number from 0 to 50.', err_field_shortcut: 'Use 1 to 32 lowercase letters, digits, - or _.', err_field_text: 'Enter a text of up to 4,000 characters.',
  err_field_widget_color: 'Pick a colour (like #2563eb).', err_field_widget_greeting: 'Write a greeting of 1 to 200 characters.', err_field_widget_after_close: 'Choose what happens after a close.',
  err_field_hours: 'Check the hours: times like 09:00, each interval ending after it starts, and a known time zone.',
  err_field_uploads: 'Choose a size between 1 KB and 20 MB and at least one file type.',
  err_field_question: 'Write a question of up to 500 characters.', err_field_answer: 'Write an answer of up to 4,000 characters.',
  err_code_email_taken: 'Someone already uses this email address.', err_code_name_taken: 'This name is already taken.', err_code_shortcut_taken: 'This shortcut is already taken.',
  err_code_last_owner: 'The team needs at least one active owner.', err_code_cannot_deactivate_self: 'You cannot deactivate your own account.',
  err_code_default_department: 'The default department cannot be removed.', err_code_key_revoked: 'This key is revoked and cannot be changed; create a new one.',
  err_code_forbidden: 'Your role does not allow this.', err_code_rate_limited: 'Too many attempts. Wait a moment and try again.', err_code_wrong_password: 'The current password is wrong.',
  // auth
  signInTitle: 'Sign in to EdgeChat', signIn: 'Sign in', createAccount: 'Create your account', company: 'Company', yourName: 'Your name',
  email: 'Email', password: 'Password', haveAccount: 'Already have an account? Sign in', noAccount: 'New here? Create an account',
  signedOut: 'You are signed out.', signOut: 'Sign out', loading: 'Loading…', language: 'Language',
  // shell
  inbox: 'Inbox', settings: 'Settings', queueLength: 'Waiting in the queue', reconnecting: 'Reconnecting…',
  enableSound: 'Sound is blocked by the browser — click to enable', myStatus: 'My status', available: 'Available', busy: 'Busy', offline: 'Offline',
  // inbox
  conversations: 'Conversations', tab_bot: 'Bot', tab_queued: 'Queued', tab_mine: 'Mine', tab_open: 'All open', tab_closed: 'Closed',
  unread: 'Unread messages', search: 'Search', searchPlaceholder: 'Search messages, names, emails…', department: 'Department',
  allDepartments: 'All departments', assignee: 'Assignee', anyone: 'Anyone', unassigned: 'Unassigned', noResults: 'Nothing found.',
  emptyTab: 'Nothing here right now.', visitor: 'Visitor', verified: 'Verified', unverified: 'Not verified',
  status_bot: 'With the bot', status_queued: 'Queued', status_active: 'Active', status_closed: 'Closed',
  pickConversation: 'Pick a conversation on the left.',
  shortcutsHelp: 'Shortcuts: Alt+↓ / Alt+↑ next / previous conversation · Alt+C focus the reply box · Enter send · Shift+Enter new line · /shortcut canned reply',
  newQueued: 'New chat waiting', assignedToYou: 'A chat was assigned to you',
  // conversation
  summary_handoff: 'Summary for whoever takes over', summary_close: 'Summary', sumMenu: 'Menu', sumFirst: 'First question', sumRefs: 'Order references', sumLast: 'Last messages',
  bot: 'Bot', privateNote: 'Private note', seen: 'Seen', takeOver: 'Take over', assignOrTransfer: 'Assign or transfer', operators: 'Operators',
  departments: 'Departments', move: 'Move', close: 'Close', reopen: 'Reopen', visitorDetails: 'Visitor', anonymousVisitor: 'Anonymous visitor',
  online: 'Online', away: 'Away', identity: 'Identity', firstSeen: 'First seen', menuPath: 'Bot menu path', noMenuPath: 'Did not use the menu.',
  otherConversations: 'Other conversations', none: 'None', cannedReplies: 'Canned replies', message: 'Message', notePlaceholder: 'A private note only operators see…',
  replyPlaceholder: 'Reply… (/ for canned replies)', uploading: 'Uploading…', attach: 'Attach', enterHint: 'Enter to send, Shift+Enter for a new line',
  addNote: 'Add note', send: 'Send', back: 'Back', details: 'Details', retry: 'Retry', discard: 'Discard', sending: 'Sending…', isTyping: 'is typing…',
  closedNote: 'This conversation is closed. Reopen it to reply.',
  ev_handoff: 'Asked for a person', ev_assigned: 'Assigned', ev_transferred: 'Transferred', ev_closed: 'Closed', ev_reopened: 'Reopened',
  ev_released: 'Released to the queue', ev_queue: 'Queue position changed', ev_menu: 'Menu choice', ev_contact: 'Left contact details',
  sys_handoff: 'Waiting for an operator ({dept})', sys_assigned: '{name} joined the conversation', sys_transferred: 'Transferred to {name}',
  sys_closed: 'The conversation was closed', sys_closed_by_visitor: 'The visitor ended the conversation', sys_closed_idle: 'Closed automatically after a while without activity', sys_rating: 'The visitor rated the conversation', sys_reopened: 'The conversation was reopened', sys_reopened_by_visitor: 'The visitor wrote again: the conversation was reopened',
  sys_released: 'The operator went offline; back in the queue', sys_queue: 'Number {n} in the queue', sys_continued: 'Continues an earlier conversation',
  sys_someone: 'an operator', openPrevious: 'Open the earlier conversation',
  // settings
  sec_bot: 'Bot flow', sec_faq: 'FAQ', sec_hours: 'Business hours', sec_appearance: 'Widget appearance', sec_keys: 'API keys',
  sec_identity: 'Identity secret', sec_operators: 'Operators', sec_departments: 'Departments', sec_canned: 'Canned replies', sec_account: 'My account',
  saved: 'Saved.', done: 'Done.', deleted: 'Deleted.', save: 'Save', add: 'Add', cancel: 'Cancel', edit: 'Edit', delete: 'Delete', remove: 'Remove',
  create: 'Create', rename: 'Rename', preview: 'Preview', restart: 'Start over',
  previewHandoff: 'a person', previewAsk: 'the visitor types a question', editLanguage: 'Editing texts in', defaultLanguage: 'Default language',
  autoReply: 'The bot answers questions (FAQ)', welcome: 'Welcome message', firstNode: 'First menu', node: 'Menu', nodeText: 'Text',
  choiceLabel: 'Choice', action: 'Leads to', target: 'Target', act_node: 'Another menu', act_handoff: 'A person', act_url: 'A link', act_ask: 'Ask a question',
  defaultDepartment: 'Default department', newChoice: 'New choice', addChoice: 'Add a choice', removeNode: 'Remove this menu', newNodeText: 'What can we help you with?', addNode: 'Add a menu',
  tryQuestion: 'Try a question', ask: 'Ask', botWouldAnswer: 'The bot would answer:', botWouldNotAnswer: 'The bot is not confident; it would offer a person.',
  confidence: 'confidence', editEntry: 'Edit entry', newEntry: 'New entry', question: 'Question', answer: 'Answer', keywords: 'Keywords (comma separated)',
  alwaysOpen: 'No business hours are set: the team is treated as always open.', setHours: 'Set business hours', timezone: 'Time zone',
  day_mon: 'Monday', day_tue: 'Tuesday', day_wed: 'Wednesday', day_thu: 'Thursday', day_fri: 'Friday', day_sat: 'Saturday', day_sun: 'Sunday',
  closedDay: 'Closed', addInterval: 'hours', holidays: 'Holidays (one date per line, YYYY-MM-DD)', makeAlwaysOpen: 'Always open',
  companyName: 'Company name', color: 'Color', position: 'Position', right: 'Bottom right', left: 'Bottom left', greeting: 'Greeting',
  requireVerified: 'Only verified visitors may chat', newKey: 'New key', label: 'Label', allowedOrigins: 'Allowed origins (one per line)',
  originsHelp: 'Exact scheme, host and port, e.g. https://www.example.com; the only wildcard is the port: http://localhost:*',
  keyCreated: 'Key created.', active: 'Active', revoked: 'Revoked', copySnippet: 'Copy snippet', copied: 'Copied', revoke: 'Revoke',
  revokeConfirm: 'Revoke this key? Widgets using it stop at once.', keyRevoked: 'Key revoked.',
  identityHelp: 'Verified visitors: your server signs the visitor id with this secret (HMAC-SHA256), so nobody can pose as one of your users.',
  secretConfigured: 'A secret is configured', secretMissing: 'No secret yet.', secretOnce: 'Copy it now: it is shown only this once.',
  rotate: 'Rotate', createSecret: 'Create a secret', rotateConfirm: 'Rotate the secret? The old one stops working at once.',
  newOperator: 'New operator', name: 'Name', initialPassword: 'Initial password', role: 'Role', role_owner: 'Owner', role_admin: 'Admin', role_agent: 'Agent',
  capacity: 'Capacity', status: 'Status', deactivated: 'Deactivated', deactivate: 'Deactivate', reactivate: 'Reactivate', resetPassword: 'Reset password',
  deactivateConfirm: 'Deactivate this operator? Their sessions end at once.', newPasswordFor: 'New password for {name} (10+ characters)',
  passwordReset: 'Password reset.', operatorCreated: 'Operator created.', newDepartment: 'New department', departmentCreated: 'Department created.',
  default: 'Default', deleteConfirm: 'Delete it?', shortcut: 'Shortcut', replyText: 'Text',
  cannedHelp: 'Type /shortcut in the reply box to insert a canned reply.', preferences: 'Preferences',
  soundToggle: 'Play a sound for new and assigned chats', notificationsOn: 'Desktop notifications are on.',
  notificationsDenied: 'Desktop notifications are blocked in this browser’s site settings.', notificationsUnsupported: 'This browser has no desktop notifications.',
  enableNotifications: 'Enable desktop notifications', changePassword: 'Change password', currentPassword: 'Current password', newPassword: 'New password (10+ characters)',
  passwordChanged: 'Password changed; your other sessions were signed out.',
};

export type Key = keyof typeof en;

const ja: Record<Key, string> = {
  sec_unanswered: '未回答の質問', variants: '言い換え', variantsHelp: '訪問者の別の聞き方を1行に1つ。質問と同じように照合されます。', variant: '言い換え',
  addVariant: '言い換えを追加', viaVariant: '言い換え', viaQuestion: '質問', viaKeywords: 'キーワード', viaAnswer: '回答', viaMeaning: '意味（埋め込み）',
  matchedThrough: '一致した箇所:', matchedWords: '一致した語', wordsCovered: '質問の語の一致率:', similarity: '類似度',
  modeFused: '語と意味', modeLexical: '語のみ', threshold: '回答の基準', yourWords: '読み取った語', providerFallback: '埋め込みプロバイダーは使われませんでした',
  noMatch: 'この質問と語を共有する項目はありません。', entryLanguage: '言語', languageFromQuestion: '質問から判定', embedded: '意味で索引済み',
  weeklyMisses: 'ボットが答えられなかった質問（週ごと）', notAnswered: '未回答', askedForPerson: '担当者を希望', resolved: '対応済み',
  asked: '質問数', lastAsked: '最終', operatorReplied: 'オペレーターの返答:', allAsked: 'すべての聞き方', createEntry: '項目を作成',
  addAsVariant: '言い換えとして追加', dismiss: '却下', dismissed: '却下しました。', entryCreated: '項目を作成しました。ボットが回答できるようになりました。', variantAdded: '言い換えを追加しました。',
  saveEntry: '項目を保存', variantOf: '追加先の項目', unansweredHelp: 'ボットが答えられなかった質問、または回答後に担当者を希望された質問です。似た質問ごとにまとめ、オペレーターの返答を添えています。',
  openQuestions: '未対応', noUnanswered: '未対応の質問はありません。',
  freeText: '訪問者が文字を入力できる', freeTextOffHelp: '選択肢のみ: 訪問者はメニューとおすすめの質問から選びます。担当者を希望すると入力欄が表示されます。',
  typingPause: 'ボットの入力中表示（ミリ秒）', suggestedQuestions: 'おすすめの質問', suggestionsHelp: 'ウェルカムメッセージの下に最大6件表示し、すぐに回答します。',
  noEntriesYet: '先に FAQ 項目を追加してください。', act_faq: 'FAQ の回答', missingEntry: '（項目がありません）',
  editOrigins: 'ラベルとオリジンを編集', revokeKey: 'キーを無効化',
  firstRunTitle: 'はじめに', firstRunInstall: 'サイトにチャットを設置する', firstRunCreateKey: 'サイト用のキーを作成し、スニペットを </body> の前に貼り付けてください。',
  firstRunAvailable: '対応可能にしてチャットを受け取る', goAvailable: '対応可能にする', firstRunTry: '訪問者としてウィジェットを試す', firstRunOpenWidget: '新しいタブでウィジェットを開く',
  firstRunNeedsKey: '先にキーが必要です。', firstRunHide: 'このチェックリストを隠す', stepDone: '完了',
  afterClose: '終了した会話に訪問者がメッセージを送ったとき', afterCloseReopen: '会話を再開する（前の担当者に戻す）', afterCloseNew: '元の会話にリンクした新しい会話を始める',
  csatSetting: '会話の終了後に訪問者へ評価（1〜5）をお願いする', rating: '評価',
  pageTrackingSetting: '訪問者が見ているページ（ページ、参照元、ブラウザ、現地時刻）を担当者に表示する', currentPage: '閲覧中のページ', localTime: '現地時刻', browserDevice: 'ブラウザ', browserLanguage: 'ブラウザの言語', referrer: '参照元', pagesVisited: 'この会話中に見たページ', device_phone: 'スマートフォン', device_tablet: 'タブレット', device_desktop: 'デスクトップ',
  exportList: 'CSV で書き出す', exportConversation: 'この会話をダウンロード（すべてのメッセージとメモ）',
  autoCloseSetting: '放置された会話の自動終了', autoCloseBot: 'ボット対応中：最後のやり取りから（分）', autoCloseVisitor: '担当者の返信後、訪問者の返事待ち：（分）', autoCloseHelp: '0 は自動終了しません。チームの返事待ちの会話は自動では終了しません。終了後、訪問者に評価をお願いします。',
  sec_categories: 'カテゴリー', categoryName: '名前', categoryKeywords: '訪問者が書きそうなキーワード（カンマ区切り）', categoryFaqs: 'またはボットが回答した FAQ', categoriesHelp: '担当者への引き継ぎ時と終了時に、カテゴリーが未設定の会話には、訪問者がキーワードを書いた、またはボットが FAQ で回答した最初のカテゴリーが付きます。', category: 'カテゴリー', noCategory: 'カテゴリーなし', allCategories: 'すべてのカテゴリー', sys_category_rules: 'カテゴリー：{name}（ルールによる）', sys_category_set: 'カテゴリーを {name} に設定しました', sys_category_cleared: 'カテゴリーを外しました',
  emailSetting: 'メール', transcriptEmailSetting: '訪問者が会話履歴をメールで受け取れるようにする', offlineEmailsSetting: '対応できる担当者がいない間のメッセージの送信先', offlineEmailsHelp: '1 行に 1 件、最大 5 件。空欄ならオーナーに送ります。', emailUnavailable: 'このデプロイではメールを送信しません（MAIL_FROM と EMAIL バインディングを設定してください。README 参照）。', sys_mail_transcript: '訪問者が会話履歴のメール送信を依頼しました（{to}）', sys_mail_confirmed: '会話履歴を {to} にメールで送りました（アドレス確認済み）', sys_mail_offline: 'メッセージをチームにメールで送りました（{to}）',
  prechatSetting: 'チャット前フォーム', prechatFields: '尋ねる項目', prechatOff: 'なし', prechatName: '名前', prechatNameEmail: '名前とメールアドレス', prechatNameRequired: '名前を必須にする', prechatEmailRequired: 'メールアドレスを必須にする', prechatWhen: 'タイミング', prechatAtStart: '最初のメッセージの前', prechatAtHandoff: '担当者につなぐ前', visibleInWidget: '訪問者がウィジェットでこの窓口を選べる', saveLabels: '表示名を保存',
  err_generic: 'うまくいきませんでした。入力内容を確認して、もう一度お試しください。', err_network: 'サーバーに接続できません。接続を確認して、もう一度お試しください。',
  err_field_allowed_origins: 'サイトはオリジンで入力してください（例: https://shop.example.com）。スキーム・ホスト・ポートのみで、パスは不可。ワイルドカードはポートのみです（http://localhost:*）。',
  err_field_label: 'キーの名前を 1〜100 文字で入力してください。', err_field_name: '名前を 1〜100 文字で入力してください。', err_field_company: '会社名を 1〜100 文字で入力してください。',
  err_field_email: '有効なメールアドレスを入力してください。', err_field_password: '10 文字以上にしてください。', err_field_new_password: '10 文字以上にしてください。',
  err_field_capacity: '同時対応数は 0〜50 の整数です。', err_field_shortcut: '小文字・数字・-・_ を 1〜32 文字で入力してください。', err_field_text: '4,000 文字以内で入力してください。',
  err_field_widget_color: '色を選んでください（例: #2563eb）。', err_field_widget_greeting: 'あいさつ文を 1〜200 文字で入力してください。', err_field_widget_after_close: '終了後の動作を選んでください。',
  err_field_hours: '営業時間を確認してください（09:00 のような時刻、開始より後の終了時刻、正しいタイムゾーン）。',
  err_field_uploads: 'サイズは 1 KB〜20 MB、ファイル形式は 1 つ以上選んでください。',
  err_field_question: '質問を 500 文字以内で入力してください。', err_field_answer: '回答を 4,000 文字以内で入力してください。',
  err_code_email_taken: 'このメールアドレスはすでに使われています。', err_code_name_taken: 'この名前はすでに使われています。', err_code_shortcut_taken: 'このショートカットはすでに使われています。',
  err_code_last_owner: 'チームには有効なオーナーが少なくとも 1 人必要です。', err_code_cannot_deactivate_self: '自分のアカウントは無効化できません。',
  err_code_default_department: '既定の部署は削除できません。', err_code_key_revoked: 'このキーは無効化されているため変更できません。新しいキーを作成してください。',
  err_code_forbidden: 'あなたのロールではこの操作はできません。', err_code_rate_limited: '試行回数が多すぎます。しばらく待ってからお試しください。', err_code_wrong_password: '現在のパスワードが違います。',
  signInTitle: 'EdgeChat にサインイン', signIn: 'サインイン', createAccount: 'アカウントを作成', company: '会社名', yourName: 'お名前',
  email: 'メールアドレス', password: 'パスワード', haveAccount: 'アカウントをお持ちの方はサインイン', noAccount: '初めての方はアカウントを作成',
  signedOut: 'サインアウトしました。', signOut: 'サインアウト', loading: '読み込み中…', language: '言語',
  inbox: '受信箱', settings: '設定', queueLength: '待機中', reconnecting: '再接続中…',
  enableSound: 'ブラウザが音声をブロックしています — クリックして有効化', myStatus: '自分のステータス', available: '対応可能', busy: '取り込み中', offline: 'オフライン',
  conversations: '会話', tab_bot: 'ボット', tab_queued: '待機中', tab_mine: '自分', tab_open: '対応中すべて', tab_closed: '完了',
  unread: '未読メッセージ', search: '検索', searchPlaceholder: 'メッセージ・名前・メールを検索…', department: '部署',
  allDepartments: 'すべての部署', assignee: '担当者', anyone: '全員', unassigned: '未割り当て', noResults: '見つかりませんでした。',
  emptyTab: '現在ありません。', visitor: '訪問者', verified: '本人確認済み', unverified: '未確認',
  status_bot: 'ボット対応中', status_queued: '待機中', status_active: '対応中', status_closed: '完了',
  pickConversation: '左の一覧から会話を選んでください。',
  shortcutsHelp: 'ショートカット: Alt+↓ / Alt+↑ 次・前の会話 · Alt+C 返信欄へ · Enter 送信 · Shift+Enter 改行 · /ショートカット 定型文',
  newQueued: '新しいチャットが待機中です', assignedToYou: 'チャットが割り当てられました',
  summary_handoff: '引き継ぐ担当者への要約', summary_close: '要約', sumMenu: 'メニュー', sumFirst: '最初の質問', sumRefs: '注文番号', sumLast: '直近のメッセージ',
  bot: 'ボット', privateNote: '社内メモ', seen: '既読', takeOver: '引き継ぐ', assignOrTransfer: '割り当て・転送', operators: 'オペレーター',
  departments: '部署', move: '移動', close: '完了にする', reopen: '再開', visitorDetails: '訪問者', anonymousVisitor: '匿名の訪問者',
  online: 'オンライン', away: '離席', identity: '本人確認', firstSeen: '初回訪問', menuPath: 'ボットメニューの経路', noMenuPath: 'メニューは使われていません。',
  otherConversations: 'ほかの会話', none: 'なし', cannedReplies: '定型文', message: 'メッセージ', notePlaceholder: 'オペレーターだけが見られる社内メモ…',
  replyPlaceholder: '返信…（/ で定型文）', uploading: 'アップロード中…', attach: '添付', enterHint: 'Enter で送信、Shift+Enter で改行',
  addNote: 'メモを追加', send: '送信', back: '戻る', details: '詳細', retry: '再送', discard: '破棄', sending: '送信中…', isTyping: 'が入力中…',
  closedNote: 'この会話は完了しています。返信するには再開してください。',
  ev_handoff: '担当者を希望', ev_assigned: '割り当て', ev_transferred: '転送', ev_closed: '完了', ev_reopened: '再開',
  ev_released: '待機列に戻されました', ev_queue: '待ち順が変わりました', ev_menu: 'メニュー選択', ev_contact: '連絡先を残しました',
  sys_handoff: '担当者の対応待ち（{dept}）', sys_assigned: '{name}が会話に参加しました', sys_transferred: '{name}に転送されました',
  sys_closed: '会話が終了しました', sys_closed_by_visitor: '訪問者が会話を終了しました', sys_closed_idle: 'しばらくやり取りがなかったため自動で終了しました', sys_rating: '訪問者が会話を評価しました', sys_reopened: '会話が再開されました', sys_reopened_by_visitor: '訪問者が再度メッセージを送信したため、会話が再開されました',
  sys_released: '担当者がオフラインになったため、待機列に戻りました', sys_queue: '待ち順 {n} 番目', sys_continued: '以前の会話の続きです',
  sys_someone: '担当者', openPrevious: '以前の会話を開く',
  sec_bot: 'ボットフロー', sec_faq: 'よくある質問', sec_hours: '営業時間', sec_appearance: 'ウィジェットの外観', sec_keys: 'API キー',
  sec_identity: '本人確認シークレット', sec_operators: 'オペレーター', sec_departments: '部署', sec_canned: '定型文', sec_account: 'アカウント',
  saved: '保存しました。', done: '完了しました。', deleted: '削除しました。', save: '保存', add: '追加', cancel: 'キャンセル', edit: '編集', delete: '削除', remove: '削除',
  create: '作成', rename: '名前を変更', preview: 'プレビュー', restart: '最初から',
  previewHandoff: '担当者', previewAsk: '訪問者が質問を入力', editLanguage: '編集する言語', defaultLanguage: '既定の言語',
  autoReply: 'ボットが質問に回答する（FAQ）', welcome: 'ようこそメッセージ', firstNode: '最初のメニュー', node: 'メニュー', nodeText: '本文',
  choiceLabel: '選択肢', action: '遷移先', target: '対象', act_node: '別のメニュー', act_handoff: '担当者', act_url: 'リンク', act_ask: '質問する',
  defaultDepartment: '既定の部署', newChoice: '新しい選択肢', addChoice: '選択肢を追加', removeNode: 'このメニューを削除', newNodeText: 'どのようなご用件ですか？', addNode: 'メニューを追加',
  tryQuestion: '質問を試す', ask: '質問', botWouldAnswer: 'ボットの回答:', botWouldNotAnswer: '確信度が低いため、ボットは担当者への接続を提案します。',
  confidence: '確信度', editEntry: '項目を編集', newEntry: '新しい項目', question: '質問', answer: '回答', keywords: 'キーワード（カンマ区切り）',
  alwaysOpen: '営業時間が未設定のため、常に営業中として扱われます。', setHours: '営業時間を設定', timezone: 'タイムゾーン',
  day_mon: '月曜日', day_tue: '火曜日', day_wed: '水曜日', day_thu: '木曜日', day_fri: '金曜日', day_sat: '土曜日', day_sun: '日曜日',
  closedDay: '休業', addInterval: '時間帯', holidays: '休業日（1 行に 1 日、YYYY-MM-DD）', makeAlwaysOpen: '常に営業',
  companyName: '会社名', color: '色', position: '位置', right: '右下', left: '左下', greeting: 'あいさつ',
  requireVerified: '本人確認済みの訪問者のみチャット可能', newKey: '新しいキー', label: 'ラベル', allowedOrigins: '許可するオリジン（1 行に 1 つ）',
  originsHelp: 'スキーム・ホスト・ポートが完全一致（例: https://www.example.com）。ワイルドカードはポートのみ: http://localhost:*',
  keyCreated: 'キーを作成しました。', active: '有効', revoked: '無効化済み', copySnippet: 'スニペットをコピー', copied: 'コピーしました', revoke: '無効化',
  revokeConfirm: 'このキーを無効化しますか？ 使用中のウィジェットはすぐに停止します。', keyRevoked: 'キーを無効化しました。',
  identityHelp: '本人確認済み訪問者: 御社のサーバーがこのシークレットで訪問者 ID に署名（HMAC-SHA256）するため、なりすましができません。',
  secretConfigured: 'シークレットは設定済みです', secretMissing: 'シークレットはまだありません。', secretOnce: '今すぐコピーしてください。表示はこの 1 回だけです。',
  rotate: '再発行', createSecret: 'シークレットを作成', rotateConfirm: 'シークレットを再発行しますか？ 古いものはすぐに使えなくなります。',
  newOperator: '新しいオペレーター', name: '名前', initialPassword: '初期パスワード', role: '権限', role_owner: 'オーナー', role_admin: '管理者', role_agent: 'エージェント',
  capacity: '同時対応数', status: 'ステータス', deactivated: '無効', deactivate: '無効化', reactivate: '有効化', resetPassword: 'パスワード再設定',
  deactivateConfirm: 'このオペレーターを無効化しますか？ セッションはすぐに終了します。', newPasswordFor: '{name} の新しいパスワード（10 文字以上）',
  passwordReset: 'パスワードを再設定しました。', operatorCreated: 'オペレーターを作成しました。', newDepartment: '新しい部署', departmentCreated: '部署を作成しました。',
  default: '既定', deleteConfirm: '削除しますか？', shortcut: 'ショートカット', replyText: '本文',
  cannedHelp: '返信欄で /ショートカット と入力すると定型文を挿入できます。', preferences: '表示と通知',
  soundToggle: '新しいチャット・割り当て時に音を鳴らす', notificationsOn: 'デスクトップ通知は有効です。',
  notificationsDenied: 'このブラウザのサイト設定でデスクトップ通知がブロックされています。', notificationsUnsupported: 'このブラウザはデスクトップ通知に対応していません。',
  enableNotifications: 'デスクトップ通知を有効にする', changePassword: 'パスワードを変更', currentPassword: '現在のパスワード', newPassword: '新しいパスワード（10 文字以上）',
  passwordChanged: 'パスワードを変更しました。ほかのセッションはサインアウトされました。',
};

export type Lang = 'en' | 'ja';
const TABLES: Record<Lang, Record<Key, string>> = { en, ja };
const stored = localStorage.getItem('ec:lang');
export const lang = signal<Lang>(stored === 'ja' || stored === 'en' ? stored : navigator.language.toLowerCase().startsWith('ja') ? 'ja' : 'en');

export function setLang(l: Lang): void {
  lang.value = l;
  localStorage.setItem('ec:lang', l);
}

export function t(key: Key): string {
  return TABLES[lang.value][key] ?? en[key];
}

/** A refusal from the server as a sentence for people: by its code, else by the field it names
 *  (`widget.color` → `err_field_widget_color`, `hours.weekly.mon[0]` → `err_field_hours`), else generic. */
export function humanError(code: string, field?: string): string {
  if (`err_code_${code}` in en) return t(`err_code_${code}` as Key);
  if (code === 'http_error' || code === 'network') return t('err_network');
  const f = (field ?? '').replace(/\[.*$/, '').replace(/\./g, '_');
  for (const k of [f, f.split('_')[0]]) if (k && `err_field_${k}` in en) return t(`err_field_${k}` as Key);
  return t('err_generic');
}

/** A text for a key made at run time (event types from the server); `fallback` when there is none. */
export function tOr(key: string, fallback: string): string {
  return key in en ? t(key as Key) : fallback;
}

export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString(lang.value, { hour: '2-digit', minute: '2-digit' });
}

export function ago(ms: number): string {
  const s = Math.round((ms - Date.now()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(lang.value, { numeric: 'auto', style: 'narrow' });
  const a = Math.abs(s);
  if (a < 45) return rtf.format(0, 'second');
  if (a < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (a < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}
