//! A small support-domain thesaurus: surface forms in English, Japanese, Korean and Chinese that mean
//! the same thing to a shop's support desk are read as one concept (`~refund`), so "money back" finds
//! the refund entry and 退钱 finds 退款. Written from general support vocabulary, not from any test
//! set. Forms are matched on the folded text (longest first); ASCII forms on word boundaries with an
//! optional inflection (`-s`, `-es`, `-ed`, `-ing`, `-d`). Single CJK characters are avoided: too
//! ambiguous. A word that belongs to no concept is matched as itself.

pub const CONCEPTS: &[(&str, &[&str])] = &[
    ("refund", &["refund", "reimburse", "reimbursement", "money back", "repay", "my money", "返金", "払い戻し", "払戻", "返還", "代金が戻", "お金が戻", "退款", "退钱", "钱退", "把钱退", "返还", "환불", "돈을 돌려", "돈 돌려", "입금"]),
    ("return", &["return", "send back", "send it back", "sending back", "返品", "返送", "送り返", "退货", "退回", "寄回", "반품", "돌려보내"]),
    ("exchange", &["exchange", "swap", "replace", "replacement", "交換", "取り替え", "取替", "换货", "更换", "调换", "换个", "교환", "바꾸", "바꿀", "바꿔"]),
    ("cancel", &["cancel", "cancellation", "call off", "取り消", "取消し", "キャンセル", "取消", "撤销", "不想要了", "취소"]),
    ("track", &["track", "tracking", "trace", "where is my", "where's my", "追跡", "配送状況", "配達状況", "跟踪", "追踪", "物流信息", "查物流", "物流", "到哪", "조회", "추적", "어디쯤", "어디에 있"]),
    ("parcel", &["package", "parcel", "shipment", "delivery", "荷物", "小包", "配達", "配送", "包裹", "快递", "送货", "택배", "소포", "배송"]),
    ("arrive", &["arrive", "arrival", "show up", "get here", "come", "届か", "届く", "届き", "届い", "到着", "着か", "着く", "到货", "送到", "到达", "收到", "还没到", "没到", "도착", "오나요", "안 와", "안와", "받지 못", "못 받"]),
    ("duration", &["how long", "how many days", "how soon", "how quickly", "how fast", "何日", "日数", "いつ頃", "いつごろ", "どのくらい", "どれくらい", "多久", "几天", "多长时间", "多少天", "며칠", "얼마나 걸", "기간", "언제쯤"]),
    ("password", &["password", "passcode", "passwd", "パスワード", "暗証", "密码", "口令", "비밀번호", "비번", "패스워드"]),
    ("login", &["log in", "login", "logon", "sign in", "signin", "ログイン", "サインイン", "登录", "登陆", "登入", "로그인", "접속"]),
    ("forgot", &["forgot", "forget", "forgotten", "reset", "recover", "忘れ", "再設定", "リセット", "忘记", "忘了", "重置", "找回", "잊어", "잊었", "까먹", "재설정", "초기화", "분실"]),
    ("account", &["account", "profile", "membership", "アカウント", "会員", "账号", "账户", "帐号", "帐户", "会员", "계정", "회원"]),
    ("delete", &["delete", "remove", "erase", "close my", "削除", "退会", "消去", "注销", "删除", "销户", "탈퇴", "삭제", "없애"]),
    ("pay", &["pay", "payment", "checkout", "支払", "決済", "払え", "お支払", "付款", "支付", "付钱", "结账", "买单", "결제", "지불", "계산"]),
    ("credit_card", &["credit card", "debit card", "visa", "mastercard", "amex", "クレジットカード", "クレカ", "デビットカード", "信用卡", "银行卡", "借记卡", "신용카드", "체크카드"]),
    ("paypal", &["paypal", "apple pay", "google pay", "paypay", "支付宝", "微信支付", "카카오페이", "네이버페이"]),
    ("declined", &["declined", "decline", "rejected", "didn't go through", "did not go through", "not going through", "won't go through", "通らない", "通りません", "拒否され", "決済できな", "支払えな", "被拒", "付不了", "支付不了", "支付失败", "付款失败", "거절", "승인이 안", "결제가 안", "결제 안"]),
    ("invoice", &["invoice", "receipt", "bill", "billing statement", "領収書", "請求書", "レシート", "明細", "发票", "收据", "票据", "영수증", "세금계산서", "계산서", "증빙"]),
    ("discount", &["discount", "coupon", "promo", "promotion", "voucher", "promo code", "discount code", "クーポン", "割引", "プロモーション", "优惠", "折扣", "优惠码", "优惠券", "折扣码", "할인", "쿠폰", "프로모션"]),
    ("address", &["address", "住所", "届け先", "お届け先", "配送先", "送り先", "地址", "收货地址", "收件地址", "주소", "배송지"]),
    ("change", &["change", "update", "edit", "modify", "correct", "fix the", "変更", "修正", "直し", "変え", "修改", "更改", "改一下", "更正", "변경", "수정", "바꾸고"]),
    ("shipping_cost", &["shipping fee", "shipping cost", "shipping charge", "delivery fee", "delivery charge", "delivery cost", "postage", "送料", "配送料", "运费", "邮费", "配送费", "快递费", "배송비", "택배비"]),
    ("free", &["free", "no charge", "無料", "タダ", "免费", "包邮", "免运费", "무료", "공짜"]),
    ("abroad", &["international", "internationally", "abroad", "overseas", "another country", "other countries", "outside the country", "worldwide", "海外", "国外", "外国", "国際", "国际", "境外", "해외", "외국", "국제", "다른 나라"]),
    ("damaged", &["damaged", "broken", "defective", "cracked", "smashed", "faulty", "破損", "壊れ", "割れ", "不良品", "傷", "破损", "损坏", "坏了", "碎了", "有问题", "파손", "깨졌", "깨져", "불량", "망가", "고장"]),
    ("wrong_item", &["wrong item", "wrong product", "wrong size sent", "not what i ordered", "different item", "incorrect item", "違う商品", "間違", "別の商品", "发错", "错了", "不是我买的", "不是我订的", "잘못 온", "다른 상품", "잘못 배송", "오배송"]),
    ("newsletter", &["newsletter", "mailing list", "marketing email", "promotional email", "unsubscribe", "メルマガ", "メールマガジン", "配信停止", "配信を止", "退订", "取消订阅", "营销邮件", "推广邮件", "뉴스레터", "수신거부", "수신 거부", "광고 메일"]),
    ("stock", &["in stock", "restock", "back in stock", "sold out", "out of stock", "available again", "在庫", "再入荷", "売り切れ", "品切れ", "库存", "补货", "缺货", "售罄", "卖完", "到货通知", "재입고", "품절", "재고"]),
    ("warranty", &["warranty", "guarantee", "repair", "保証", "修理", "保修", "维修", "质保", "保固", "보증", "수리", "a/s"]),
    ("opening_hours", &["opening hours", "business hours", "open on", "opening time", "closing time", "営業時間", "営業日", "開店", "閉店", "营业时间", "营业", "几点开门", "几点关门", "영업시간", "영업 시간", "운영시간", "운영 시간", "문 열"]),
    ("store", &["physical store", "brick and mortar", "showroom", "retail store", "shop in person", "店舗", "実店舗", "ショールーム", "门店", "实体店", "线下店", "매장", "오프라인"]),
    ("phone", &["phone", "telephone", "call you", "hotline", "電話", "コールセンター", "电话", "致电", "热线", "客服电话", "전화", "콜센터", "연락처"]),
    ("size", &["size", "too small", "too big", "too large", "doesn't fit", "does not fit", "サイズ", "小さ", "大き", "尺码", "尺寸", "太小", "太大", "不合身", "사이즈", "치수", "작아", "커서"]),
    ("email_address", &["email address", "e-mail address", "mail address", "login email", "メールアドレス", "メアド", "邮箱", "电子邮件", "邮件地址", "이메일", "메일 주소"]),
];

/// Concept forms for matching: `(folded form, concept)`, longest form first. Built once per isolate.
pub fn forms() -> &'static [(String, &'static str)] {
    static FORMS: std::sync::OnceLock<Vec<(String, &'static str)>> = std::sync::OnceLock::new();
    FORMS.get_or_init(|| {
        let mut all: Vec<(String, &'static str)> =
            CONCEPTS.iter().flat_map(|(concept, forms)| forms.iter().map(move |f| (super::fold(f), *concept))).collect();
        all.sort_by(|a, b| b.0.chars().count().cmp(&a.0.chars().count()).then(a.0.cmp(&b.0)));
        all
    })
}
