import type { EncounterInput } from '../modules/encounters/schemas.js';
import type { PatientInput } from '../modules/patients/schemas.js';

interface DemoPatient {
  patient: Omit<PatientInput, 'insurance' | 'version'>;
  /** 保険者番号 without its check digit, which the seed computes. */
  insurerDataDigits: string | null;
  symbol: string | null;
  number: string;
  encounters: EncounterInput[];
}

const base = { phone: null, email: null, postalCode: null, address: null };

/** The project's own invented patients: names, numbers and notes belong to nobody. */
export const DEMO_PATIENTS: DemoPatient[] = [
  {
    patient: {
      ...base,
      familyName: '青木',
      givenName: '美咲',
      familyNameKana: 'アオキ',
      givenNameKana: 'ミサキ',
      birthDate: '1988-04-12',
      sex: 'female',
      phone: '03-1234-5678',
      postalCode: '150-0001',
      address: '東京都渋谷区神宮前1-2-3',
    },
    insurerDataDigits: '0613001',
    symbol: '12',
    number: '3456',
    encounters: [
      {
        type: 'in_person',
        startedAt: '2026-10-02T01:30:00.000Z',
        note: {
          subjective: '3日前から咽頭痛と鼻汁。発熱なし。',
          objective: '咽頭発赤軽度。体温36.8℃。',
          assessment: '急性上気道炎',
          plan: '対症療法。3日で改善なければ再診。',
        },
        diagnoses: [{ code: 'J06.9', name: '急性上気道感染症' }],
      },
      {
        type: 'video',
        startedAt: '2026-11-20T06:00:00.000Z',
        note: {
          subjective: '症状は改善。',
          objective: 'ビデオ診察で呼吸苦なし。',
          assessment: '軽快',
          plan: '終診。',
        },
        diagnoses: [],
      },
    ],
  },
  {
    patient: {
      ...base,
      familyName: '石井',
      givenName: '健一',
      familyNameKana: 'イシイ',
      givenNameKana: 'ケンイチ',
      birthDate: '1961-09-30',
      sex: 'male',
    },
    insurerDataDigits: '3913101',
    symbol: '45',
    number: '678',
    encounters: [
      {
        type: 'in_person',
        startedAt: '2026-09-15T00:45:00.000Z',
        note: {
          subjective: '健診で血糖高値を指摘。',
          objective: 'HbA1c 7.4%。BMI 26.1。',
          assessment: '2型糖尿病',
          plan: '食事・運動療法の指導。1か月後に再評価。',
        },
        diagnoses: [{ code: 'E11.9', name: '2型糖尿病・合併症なし' }],
      },
    ],
  },
  {
    patient: {
      ...base,
      familyName: '上田',
      givenName: 'さくら',
      familyNameKana: 'ウエダ',
      givenNameKana: 'サクラ',
      birthDate: '2015-02-03',
      sex: 'female',
    },
    insurerDataDigits: '13814',
    symbol: null,
    number: '90123',
    encounters: [
      {
        type: 'in_person',
        startedAt: '2026-11-05T02:10:00.000Z',
        note: {
          subjective: '昨夜から38℃台の発熱。',
          objective: '咽頭発赤。迅速検査陰性。',
          assessment: '感冒',
          plan: '解熱薬頓用。水分摂取。',
        },
        diagnoses: [{ code: 'J00', name: '急性鼻咽頭炎［かぜ］' }],
      },
    ],
  },
  {
    patient: {
      ...base,
      familyName: '岡本',
      givenName: '浩',
      familyNameKana: 'オカモト',
      givenNameKana: 'ヒロシ',
      birthDate: '1952-12-24',
      sex: 'male',
    },
    insurerDataDigits: '3927001',
    symbol: '7',
    number: '1122',
    encounters: [
      {
        type: 'in_person',
        startedAt: '2026-08-20T01:00:00.000Z',
        note: {
          subjective: '頭痛なし。家庭血圧 150/92 前後。',
          objective: '診察室血圧 156/94。',
          assessment: '本態性高血圧症',
          plan: '降圧薬開始を検討。減塩指導。',
        },
        diagnoses: [{ code: 'I10', name: '本態性（原発性）高血圧（症）' }],
      },
    ],
  },
  {
    patient: {
      ...base,
      familyName: '加藤',
      givenName: '陽菜',
      familyNameKana: 'カトウ',
      givenNameKana: 'ヒナ',
      birthDate: '1999-07-07',
      sex: 'female',
    },
    insurerDataDigits: '0113001',
    symbol: '3',
    number: '4455',
    encounters: [],
  },
  {
    patient: {
      ...base,
      familyName: '佐々木',
      givenName: '翔',
      familyNameKana: 'ササキ',
      givenNameKana: 'ショウ',
      birthDate: '1975-01-19',
      sex: 'male',
    },
    insurerDataDigits: '0627001',
    symbol: '22',
    number: '8899',
    encounters: [
      {
        type: 'in_person',
        startedAt: '2026-11-28T00:20:00.000Z',
        note: {
          subjective: '腰痛。重い物を持った後から。',
          objective: '下肢神経症状なし。',
          assessment: '急性腰痛症',
          plan: '湿布。安静にしすぎない。',
        },
        diagnoses: [{ code: 'M54.5', name: '腰痛症' }],
      },
    ],
  },
];
