/**
 * What the storefront sells and to whom: a small catalogue priced per currency (as a multi-currency Magento store
 * sets prices per website), a few countries with their tax rate, and flat shipping rates.
 */
export const shopCurrencies = ['USD', 'EUR', 'GBP', 'JPY', 'KWD'] as const;
export type ShopCurrency = (typeof shopCurrencies)[number];

export interface Product {
  sku: string;
  name: string;
  weightKg: number;
  /** Unit price, tax excluded, as the store's price list has it (decimal string in the currency's major unit). */
  price: Record<ShopCurrency, string>;
}

export const catalogue: readonly Product[] = [
  {
    sku: 'MUG-CLASSIC-WHT',
    name: 'Classic Mug, White',
    weightKg: 0.4,
    price: { USD: '12.00', EUR: '11.00', GBP: '9.50', JPY: '1800', KWD: '3.750' },
  },
  {
    sku: 'TEE-ORG-BLK-M',
    name: 'Organic Tee, Black, M',
    weightKg: 0.2,
    price: { USD: '24.99', EUR: '22.90', GBP: '19.99', JPY: '3600', KWD: '7.500' },
  },
  {
    sku: 'HOOD-ZIP-GRY-L',
    name: 'Zip Hoodie, Grey, L',
    weightKg: 0.7,
    price: { USD: '59.00', EUR: '54.90', GBP: '47.00', JPY: '8900', KWD: '18.000' },
  },
  {
    sku: 'CAP-SNAP-NVY',
    name: 'Snapback Cap, Navy',
    weightKg: 0.15,
    price: { USD: '19.50', EUR: '17.90', GBP: '15.50', JPY: '2900', KWD: '5.950' },
  },
  {
    sku: 'BOTTLE-STEEL-750',
    name: 'Steel Bottle 750 ml',
    weightKg: 0.35,
    price: { USD: '29.95', EUR: '27.50', GBP: '23.95', JPY: '4400', KWD: '9.200' },
  },
  {
    sku: 'TOTE-CANVAS-NAT',
    name: 'Canvas Tote, Natural',
    weightKg: 0.25,
    price: { USD: '16.00', EUR: '14.90', GBP: '12.50', JPY: '2300', KWD: '4.900' },
  },
  {
    sku: 'NOTE-A5-DOT',
    name: 'Dotted Notebook A5',
    weightKg: 0.3,
    price: { USD: '8.75', EUR: '7.90', GBP: '6.80', JPY: '1200', KWD: '2.650' },
  },
  {
    sku: 'SOCK-WOOL-3PK',
    name: 'Wool Socks, 3-pack',
    weightKg: 0.2,
    price: { USD: '21.00', EUR: '19.50', GBP: '16.50', JPY: '3100', KWD: '6.400' },
  },
];

export interface Country {
  countryId: string;
  currency: ShopCurrency;
  /** Tax on goods, in basis points of the net amount. */
  taxBps: number;
  /** Whether shipping is taxed at the same rate (VAT countries) or not (most US states). */
  taxesShipping: boolean;
  addresses: ReadonlyArray<{
    street: string;
    city: string;
    region?: string;
    regionCode?: string;
    postcode: string;
    telephone: string;
  }>;
}

export const countries: readonly Country[] = [
  {
    countryId: 'US',
    currency: 'USD',
    taxBps: 888,
    taxesShipping: false,
    addresses: [
      {
        street: '350 Fifth Avenue',
        city: 'New York',
        region: 'New York',
        regionCode: 'NY',
        postcode: '10118',
        telephone: '+1 212 555 0142',
      },
      {
        street: '1100 Congress Avenue',
        city: 'Austin',
        region: 'Texas',
        regionCode: 'TX',
        postcode: '78701',
        telephone: '+1 512 555 0199',
      },
    ],
  },
  {
    countryId: 'DE',
    currency: 'EUR',
    taxBps: 1900,
    taxesShipping: true,
    addresses: [
      { street: 'Friedrichstraße 68', city: 'Berlin', postcode: '10117', telephone: '+49 30 5550 1234' },
      { street: 'Marienplatz 8', city: 'München', postcode: '80331', telephone: '+49 89 5550 4321' },
    ],
  },
  {
    countryId: 'FR',
    currency: 'EUR',
    taxBps: 2000,
    taxesShipping: true,
    addresses: [{ street: '12 Rue de Rivoli', city: 'Paris', postcode: '75004', telephone: '+33 1 55 50 12 34' }],
  },
  {
    countryId: 'GB',
    currency: 'GBP',
    taxBps: 2000,
    taxesShipping: true,
    addresses: [
      { street: '221B Baker Street', city: 'London', postcode: 'NW1 6XE', telephone: '+44 20 7946 0958' },
      { street: '1 Deansgate', city: 'Manchester', postcode: 'M3 1AZ', telephone: '+44 161 496 0123' },
    ],
  },
  {
    countryId: 'JP',
    currency: 'JPY',
    taxBps: 1000,
    taxesShipping: true,
    addresses: [
      {
        street: '1-1-2 Oshiage',
        city: 'Sumida-ku',
        region: 'Tokyo',
        postcode: '131-0045',
        telephone: '+81 3 5555 0101',
      },
    ],
  },
  {
    countryId: 'KW',
    currency: 'KWD',
    taxBps: 0,
    taxesShipping: false,
    addresses: [
      {
        street: 'Block 3, Street 14, Building 7',
        city: 'Salmiya',
        region: 'Hawalli',
        postcode: '22001',
        telephone: '+965 2555 0147',
      },
    ],
  },
];

/** Flat-rate shipping per order. */
export const flatShipping: Record<ShopCurrency, string> = {
  USD: '7.50',
  EUR: '6.90',
  GBP: '4.99',
  JPY: '800',
  KWD: '2.000',
};

/** Card networks settle three-decimal currencies in steps of 10 minor units, so every KWD amount is rounded to one. */
export const amountStepMinor: Record<ShopCurrency, number> = { USD: 1, EUR: 1, GBP: 1, JPY: 1, KWD: 10 };

export const firstNames = [
  'Amelia',
  'Noah',
  'Sofia',
  'Lukas',
  'Chloé',
  'Oliver',
  'Yuki',
  'Fatima',
  'Mateo',
  'Hannah',
  'Kenji',
  'Layla',
] as const;
export const lastNames = [
  'Schmidt',
  'Martin',
  'Smith',
  'Tanaka',
  'Al-Sabah',
  'Garcia',
  'Brown',
  'Dubois',
  'Müller',
  'Sato',
  'Walker',
  'Rossi',
] as const;
