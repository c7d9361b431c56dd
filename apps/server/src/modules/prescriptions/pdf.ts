import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';

/** What a 処方箋 shows (様式第二号): the patient, the insurance, the clinic, the doctor, the lines. */
export interface PrescriptionSheet {
  patient: {
    name: string;
    kana: string | null;
    birthDate: string;
    sex: 'male' | 'female' | 'other' | 'unknown';
  };
  insurance: {
    insurerNumber: string | null;
    symbol: string | null;
    number: string | null;
    branch: string | null;
  };
  clinic: { name: string };
  doctorName: string;
  issuedOn: string;
  validUntil: string;
  lines: {
    name: string;
    code: string;
    dose: string;
    unit: string;
    frequency: string;
    days: number;
    route: string;
    noSubstitution: boolean;
  }[];
  notes: string | null;
  cancelled: boolean;
}

// Noto Sans JP (SIL Open Font License), shipped by an npm package and embedded as a subset.
const FONT_FILE = createRequire(import.meta.url).resolve(
  '@expo-google-fonts/noto-sans-jp/400Regular/NotoSansJP_400Regular.ttf',
);

// A5 portrait, in points: the size of the printed form.
const WIDTH = 420;
const HEIGHT = 595;
const MARGIN = 24;

/**
 * Renders the sheet. Every value from the record is drawn as text with the embedded font:
 * nothing in it is parsed or interpreted, whatever characters it holds.
 */
export async function renderPrescriptionPdf(sheet: PrescriptionSheet): Promise<Buffer> {
  const doc = new PDFDocument({
    size: [WIDTH, HEIGHT],
    margin: 0,
    info: { Title: '処方箋', Creator: 'MediConnect', Producer: 'MediConnect' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  doc.registerFont('jp', FONT_FILE);
  doc.font('jp');
  const draw = new Drawer(doc);

  let y = HEIGHT - MARGIN;
  draw.text('処　方　箋', WIDTH / 2 - 40, y - 14, 16);
  draw.text('（この処方箋は、どの保険薬局でも有効です。）', WIDTH / 2 - 110, y - 30, 8);
  if (sheet.cancelled) draw.text('【取消】この処方箋は取り消されました', MARGIN, y - 46, 10);
  y -= 56;

  const ins = sheet.insurance;
  y = draw.row(y, [
    ['公費負担者番号', ''],
    ['保険者番号', ins.insurerNumber ?? ''],
  ]);
  y = draw.row(y, [
    ['公費負担医療の受給者番号', ''],
    ['被保険者証の記号・番号', insuredId(ins)],
  ]);
  y = draw.row(y, [
    [
      '氏名',
      sheet.patient.kana === null
        ? sheet.patient.name
        : `${sheet.patient.name}（${sheet.patient.kana}）`,
    ],
  ]);
  y = draw.row(y, [
    ['生年月日', japaneseDate(sheet.patient.birthDate)],
    ['性別', SEX[sheet.patient.sex]],
    ['区分', '被保険者・被扶養者'],
  ]);
  y = draw.row(y, [['保険医療機関の所在地及び名称', sheet.clinic.name]]);
  // KNOWN GAP: no clinic profile yet (address, phone, codes), so those cells print blank.
  y = draw.row(y, [
    ['電話番号', ''],
    ['保険医氏名', sheet.doctorName],
  ]);
  y = draw.row(y, [
    ['都道府県番号', ''],
    ['点数表番号', '1'],
    ['医療機関コード', ''],
  ]);
  y = draw.row(y, [
    ['交付年月日', japaneseDate(sheet.issuedOn)],
    ['処方箋の使用期間', `${japaneseDate(sheet.validUntil)}まで`],
  ]);

  y -= 4;
  draw.text('処方', MARGIN, y - 12, 10);
  draw.text('変更不可', WIDTH - MARGIN - 92, y - 12, 7);
  draw.text('患者希望', WIDTH - MARGIN - 46, y - 12, 7);
  y -= 18;
  sheet.lines.forEach((line, index) => {
    const text =
      `${String(index + 1)}) ${line.name}［${line.code}］ ${line.dose}${line.unit} ` +
      `${line.frequency} ${String(line.days)}日分 ${line.route}`;
    const top = y;
    y = draw.wrapped(text, MARGIN + 4, y, WIDTH - 2 * MARGIN - 110, 8.5);
    if (line.noSubstitution) draw.text('✓', WIDTH - MARGIN - 80, top - 10, 9);
  });
  draw.text('以下余白', MARGIN + 4, y - 10, 8);
  y -= 22;

  draw.text('備考', MARGIN, y - 12, 10);
  y -= 16;
  if (sheet.notes !== null)
    y = draw.wrapped(sheet.notes, MARGIN + 4, y, WIDTH - 2 * MARGIN - 8, 8.5);
  draw.text(
    '保険薬局が調剤時に残薬を確認した場合の対応、調剤済年月日、保険薬局の所在地及び名称、保険薬剤師氏名は薬局記入欄',
    MARGIN,
    Math.max(y - 16, MARGIN),
    6,
  );
  doc.end();
  await finished;
  return Buffer.concat(chunks);
}

const SEX: Record<PrescriptionSheet['patient']['sex'], string> = {
  male: '男',
  female: '女',
  other: 'その他',
  unknown: '不明',
};

function insuredId(ins: PrescriptionSheet['insurance']): string {
  const main = [ins.symbol, ins.number].filter((p) => p !== null && p !== '').join('・');
  return ins.branch === null || ins.branch === '' ? main : `${main}（枝番）${ins.branch}`;
}

/** 2026-12-04 → 令和8年12月4日 (西暦 2026). Dates before 令和 keep the Western year alone. */
export function japaneseDate(iso: string): string {
  const [year = 0, month = 0, day = 0] = iso.split('-').map(Number);
  const western = `${String(year)}年${String(month)}月${String(day)}日`;
  const reiwa = year - 2018;
  const onOrAfterReiwa = year > 2019 || (year === 2019 && month >= 5);
  return onOrAfterReiwa
    ? `令和${String(reiwa)}年${String(month)}月${String(day)}日（${western}）`
    : western;
}

/**
 * Labelled cells in bordered rows, and wrapped text. Coordinates are from the bottom, like the
 * form's own measurements; pdfkit's are from the top, so they are turned here and only here.
 */
class Drawer {
  constructor(private readonly doc: PDFKit.PDFDocument) {}

  text(value: string, x: number, y: number, size: number): void {
    this.doc.fontSize(size).text(value, x, HEIGHT - y - size, { lineBreak: false });
  }

  row(top: number, cells: [label: string, value: string][]): number {
    const height = 24;
    const width = (WIDTH - 2 * MARGIN) / cells.length;
    cells.forEach(([label, value], i) => {
      const x = MARGIN + i * width;
      this.doc
        .lineWidth(0.5)
        .rect(x, HEIGHT - top, width, height)
        .stroke();
      this.text(label, x + 3, top - 8, 6);
      this.text(this.fit(value, width - 6, 9), x + 3, top - 20, 9);
    });
    return top - height;
  }

  wrapped(value: string, x: number, top: number, width: number, size: number): number {
    let y = top;
    for (const paragraph of value.split(/\r?\n/)) {
      let line = '';
      for (const character of Array.from(paragraph)) {
        if (this.width(line + character, size) > width) {
          this.text(line, x, y - size - 2, size);
          y -= size + 3;
          line = '';
        }
        line += character;
      }
      this.text(line, x, y - size - 2, size);
      y -= size + 3;
    }
    return y;
  }

  private fit(value: string, width: number, size: number): string {
    let fitted = Array.from(value);
    while (fitted.length > 0 && this.width(fitted.join(''), size) > width)
      fitted = fitted.slice(0, -1);
    return fitted.join('');
  }

  private width(value: string, size: number): number {
    return this.doc.fontSize(size).widthOfString(value);
  }
}
