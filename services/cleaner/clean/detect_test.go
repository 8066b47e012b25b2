package clean

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html/charset"

	"github.com/newsjet/newsjet/pkg/schema"
)

// undeclaredPages are news pages written for this test, one per charset, with no
// charset declaration anywhere: the test encodes them and Clean must read the charset
// from the bytes. want is a sentence of the body.
var undeclaredPages = []struct{ charset, want, page string }{
	{"windows-1251", "Пешеходная часть будет открыта в понедельник.", `<html><head><title>Новый мост через реку открыт</title></head><body><h1>Новый мост через реку открыт для движения</h1>
<p>В субботу утром городские власти открыли новый мост через реку, строительство которого заняло почти три года. Первыми по нему проехали автобусы городского маршрута.</p>
<p>По словам мэра, мост позволит сократить время в пути между северными и южными районами на двадцать минут. Пешеходная часть будет открыта в понедельник.</p>
<p>Жители прибрежных улиц жаловались на шум во время работ, но большинство из них приветствовали завершение стройки.</p></body></html>`},
	{"koi8-r", "Следующий фестиваль планируется провести в феврале", `<html><head><title>Зимний фестиваль собрал тысячи гостей</title></head><body><h1>Зимний фестиваль собрал тысячи гостей</h1>
<p>Ежегодный зимний фестиваль на центральной площади в этом году посетили более десяти тысяч человек. Организаторы установили ледяные скульптуры и открыли каток.</p>
<p>Местные музыканты выступали на сцене до позднего вечера, а продавцы горячего чая и пирогов не успевали обслуживать всех желающих.</p>
<p>Следующий фестиваль планируется провести в феврале, если погода позволит сохранить лёд.</p></body></html>`},
	{"shift_jis", "漁業関係者は、夜間の航行がより安全になると歓迎しています。", `<html><head><title>港の新しい灯台が完成</title></head><body><h1>港の新しい灯台が完成しました</h1>
<p>市は土曜日、港の入り口に建設していた新しい灯台の完成を発表しました。工事は約二年かかり、古い灯台は記念館として保存されます。</p>
<p>漁業関係者は、夜間の航行がより安全になると歓迎しています。灯台の光は約二十キロ先まで届くということです。</p>
<p>一般公開は来月から始まり、展望台からは港全体を見渡すことができます。</p></body></html>`},
	{"euc-kr", "시민들은 개관 첫날부터 길게 줄을 서서 입장을 기다렸다.", `<html><head><title>서울시 새 도서관 개관</title></head><body><h1>서울시는 새 도서관을 개관했다</h1>
<p>서울시는 토요일 시청 근처에 새로운 공공 도서관을 열었다고 밝혔다. 도서관에는 약 십만 권의 책과 어린이 열람실이 마련되어 있다.</p>
<p>시민들은 개관 첫날부터 길게 줄을 서서 입장을 기다렸다. 도서관 측은 주말에도 밤 열 시까지 문을 열 계획이라고 말했다.</p>
<p>시 관계자는 앞으로 다른 구에도 비슷한 도서관을 세울 예정이라고 덧붙였다.</p></body></html>`},
	{"gb18030", "许多市民一早就来到公园散步和锻炼。", `<html><head><title>城市新公园正式开放</title></head><body><h1>城市新公园正式开放</h1>
<p>市政府星期六宣布，位于河边的新公园正式向市民开放。公园占地约五十公顷，建有步行道、自行车道和儿童游乐场。</p>
<p>许多市民一早就来到公园散步和锻炼。一位退休教师说，这里的空气很好，她以后每天都会来。</p>
<p>公园管理处表示，夏季将举办露天音乐会和电影放映活动，欢迎大家参加。</p></body></html>`},
	{"iso-8859-7", "Οι ψαράδες δήλωσαν ικανοποιημένοι", `<html><head><title>Νέο λιμάνι για τα αλιευτικά σκάφη</title></head><body><h1>Νέο λιμάνι για τα αλιευτικά σκάφη</h1>
<p>Ο δήμος εγκαινίασε το Σάββατο το νέο αλιευτικό καταφύγιο στην ανατολική πλευρά της πόλης. Τα έργα διήρκεσαν σχεδόν δύο χρόνια.</p>
<p>Οι ψαράδες δήλωσαν ικανοποιημένοι, καθώς τα σκάφη τους θα είναι πλέον προστατευμένα από τους χειμερινούς ανέμους.</p>
<p>Ο δήμαρχος υποσχέθηκε ότι σύντομα θα κατασκευαστεί και νέα ψαραγορά δίπλα στο λιμάνι.</p></body></html>`},
	{"windows-1252", "« C’est la première fois que nous voyons autant de monde »", `<html><head><title>La fête du village attire des milliers de visiteurs</title></head><body><h1>La fête du village attire des milliers de visiteurs</h1>
<p>Samedi, la fête annuelle du village a réuni plus de trois mille personnes sur la place de l’église. Les élus ont inauguré une nouvelle fontaine à cette occasion.</p>
<p>« C’est la première fois que nous voyons autant de monde », a déclaré le maire, très ému. Les enfants ont profité des manèges jusqu’à minuit.</p>
<p>Les bénévoles ont déjà commencé à préparer l’édition de l’année prochaine, qui aura lieu fin août.</p></body></html>`},
}

func TestDetectUndeclaredCharsets(t *testing.T) {
	for _, p := range undeclaredPages {
		t.Run(p.charset, func(t *testing.T) {
			raw, err := charsetBytes(p.charset, p.page)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(bytes.ToLower(raw), []byte("charset")) {
				t.Fatal("the page declares a charset")
			}
			for _, ct := range []string{"", "text/html"} {
				res, err := Clean(raw, Options{ContentType: ct})
				if err != nil {
					t.Fatal(err)
				}
				if res.Charset != p.charset || res.CharsetSource != schema.CharsetFromDetected {
					t.Errorf("Content-Type %q: charset %q (%s), want %q detected", ct, res.Charset, res.CharsetSource, p.charset)
				}
				if text := contentText(t, res.Content); !strings.Contains(text, p.want) {
					t.Errorf("Content-Type %q: text lacks %q:\n%s", ct, p.want, text)
				}
			}
		})
	}
}

// Every way a charset is decided is recorded; a declaration is never second-guessed by
// the detector.
func TestCharsetSource(t *testing.T) {
	cyrillic, err := charsetBytes("windows-1251", undeclaredPages[0].page)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, contentType string
		raw               []byte
		charset, source   string
	}{
		{"header", "text/html; charset=koi8-r", cyrillic, "koi8-r", schema.CharsetFromHeader},
		{"meta", "", append([]byte(`<meta charset="iso-8859-5">`), cyrillic...), "iso-8859-5", schema.CharsetFromMeta},
		{"bom", "text/html; charset=windows-1251", []byte("\xef\xbb\xbf<p>naïve</p>"), "utf-8", schema.CharsetFromBOM},
		{"utf-8 under a legacy declaration", "", []byte(`<meta charset="windows-1251"><p>naïve</p>`), "utf-8", schema.CharsetFromDetected},
		{"valid utf-8", "", []byte("<p>naïve</p>"), "utf-8", schema.CharsetFromDetected},
		{"ascii", "", []byte("<p>plain</p>"), "utf-8", schema.CharsetFromDefault},
		{"unknown label", "", append([]byte(`<meta charset="no-such-charset">`), cyrillic...), "windows-1251", schema.CharsetFromDetected},
		{"too few letters to tell", "", []byte("<p>caf\xe9 cr\xe8me</p>"), "windows-1252", schema.CharsetFromDefault},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, cs, source, err := decode(c.raw, c.contentType)
			if err != nil || cs != c.charset || source != c.source {
				t.Errorf("decode = %q, %q, %v; want %q, %q", cs, source, err, c.charset, c.source)
			}
		})
	}
}

func charsetBytes(name, s string) ([]byte, error) {
	enc, _ := charset.Lookup(name)
	return enc.NewEncoder().Bytes([]byte(s))
}
