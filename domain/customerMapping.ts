import { hash as sha256, hmac } from 'fast-sha256';
import type { MagentoCustomer } from './magento';

/**
 * Customer sync: one customer kept alike in Magento, Stripe and the ERP. Pure parts: the canonical form of the synced
 * fields, the mapping from and to each system, the name rule, the stable JSON a sync hash is taken of, the workflow key
 * and the decision which side wins. The run's id is keyed with a secret, so only activities (never workflow code) make it.
 *
 * Name rule (Stripe keeps one `name`, Magento requires `firstname` and `lastname` and has a `prefix`):
 * - Magento → Stripe: `name` = prefix + ' ' + firstname + ' ' + lastname, blanks left out; when firstname equals
 *   lastname (how a single name is kept in Magento) the name is written once.
 * - Stripe → Magento: whitespace collapsed; a leading honorific (Dr, Mr, Mrs, Ms, Mx, Prof, with or without a dot) goes
 *   to `prefix`; one word left → firstname = lastname = that word; more → the first word is the firstname, the rest the
 *   lastname ("Anna van der Berg" → "Anna" / "van der Berg"). When the Stripe name is the one the Magento customer
 *   already maps to, the Magento parts are kept as they are (so "Mary Ann" / "Smith" survives an e-mail change in Stripe).
 */

/** Synced fields in one shape for every side; the hash of a side is the hash of this. */
export interface SyncedCustomer {
  /** Trimmed, lower case. */
  email: string;
  /** The Stripe form of the name (see the name rule). */
  name: string;
  phone: string | null;
  address: SyncedAddress | null;
  shipping: { name: string; phone: string | null; address: SyncedAddress } | null;
}

export interface SyncedAddress {
  line1: string;
  line2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  country: string | null;
}

/** The Magento custom attributes the sync keeps on a customer (the Stripe id's code comes from config/mappings.yaml). */
export const magentoSyncHashAttribute = 'o2c_sync_hash';
export const magentoCustomerKeyAttribute = 'o2c_customer_key';
export const magentoStripeDeletedAttribute = 'o2c_stripe_deleted_at';
/** Stripe metadata keys the sync keeps on a customer. */
export const stripeMetadata = {
  magentoCustomerId: 'magento_customer_id',
  syncHash: 'o2c_sync_hash',
  customerKey: 'o2c_customer_key',
  /** When the linked Magento customer was found deleted: the link is removed and no Magento account is made again from Stripe. */
  magentoDeletedAt: 'o2c_magento_deleted_at',
  /** `true`: the Stripe customer of guest orders (no Magento account): the sync makes no Magento account for it, and links it when one registers. */
  guest: 'o2c_guest',
} as const;

export const honorifics = ['Dr', 'Mr', 'Mrs', 'Ms', 'Mx', 'Prof'] as const;
const honorificPattern = new RegExp(`^(${honorifics.join('|')})\\.?$`, 'i');

export interface NameParts {
  prefix?: string;
  firstname: string;
  lastname: string;
}

const squash = (text: string | null | undefined): string => (text ?? '').replace(/\s+/g, ' ').trim();

export function stripeNameOf(parts: NameParts): string {
  const first = squash(parts.firstname);
  const last = squash(parts.lastname);
  return [squash(parts.prefix), first, first === last ? '' : last].filter(Boolean).join(' ');
}

/** Splits a Stripe name by the name rule; `current` is the Magento customer's present parts, kept when they map to the same name. */
export function namePartsOf(stripeName: string, current?: NameParts): NameParts {
  const name = squash(stripeName);
  if (current && stripeNameOf(current) === name) return current;
  const words = name.split(' ').filter(Boolean);
  let prefix: string | undefined;
  if (words.length > 1 && honorificPattern.test(words[0]!)) prefix = words.shift();
  if (words.length === 0) return { firstname: name, lastname: name };
  const [firstname, ...rest] = words as [string, ...string[]];
  return { ...(prefix ? { prefix } : {}), firstname, lastname: rest.length > 0 ? rest.join(' ') : firstname };
}

export const normalisedEmail = (email: string): string => email.trim().toLowerCase();

/**
 * The run of a customer: `customer:k` + 32 hex digits of HMAC-SHA256(CUSTOMER_ID_KEY, key), where the key is the
 * customer's (`emailKey` of the e-mail the two sides were first linked under, stored on both as `o2c_customer_key` so a
 * later e-mail change still finds the same run; before linking the e-mail is all both sides share, so a customer made in
 * Stripe and one made in Magento with the same e-mail meet in one run). Keyed, because workflow IDs are not payloads: no
 * codec encrypts them, and they show in the Web UI, in visibility and in every log line about the run, where a plain
 * digest of the e-mail would confirm a guessed address. Workflow code does not hold the key: activities compute the id.
 */
export function customerWorkflowId(key: string, idKey: Uint8Array): string {
  const digest = hmac(idKey, new TextEncoder().encode(key));
  return `customer:k${hex(digest.subarray(0, 16))}`;
}

/** The id release 1.2 ran a customer under (`customer:<key>`): looked for only to hand such a run over to its keyed id. */
export const legacyCustomerWorkflowId = (key: string): string => `customer:${key}`;

/** A customer run's id as `customerWorkflowId` makes it, and as release 1.2 made it (`customer:e<32 hex>`). */
export const customerWorkflowIdPattern = /^customer:k[0-9a-f]{32}$/;
export const legacyCustomerWorkflowIdPattern = /^customer:e[0-9a-f]{32}$/;

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** The key a customer's e-mail gives (pure JavaScript, so workflow code may compute it too). */
export function emailKey(email: string): string {
  return `e${hex(sha256(new TextEncoder().encode(normalisedEmail(email))).subarray(0, 16))}`;
}

export function customerKeyOf(stored: string | undefined | null, email: string | null | undefined): string | undefined {
  if (stored && stored.trim()) return stored.trim();
  return email && email.trim() ? emailKey(email) : undefined;
}

// ---- Magento ------------------------------------------------------------------------------------------------------

interface MagentoAddress {
  id?: number;
  firstname?: string;
  lastname?: string;
  street?: string[];
  city?: string;
  region?: { region?: string; region_code?: string; region_id?: number } | string;
  postcode?: string;
  country_id?: string;
  telephone?: string;
  default_billing?: boolean;
  default_shipping?: boolean;
  [field: string]: unknown;
}

const orNull = (text: string | null | undefined): string | null => (squash(text) === '' ? null : squash(text));

function addressesOf(customer: MagentoCustomer): MagentoAddress[] {
  return Array.isArray(customer.addresses) ? (customer.addresses as MagentoAddress[]) : [];
}

function defaultAddress(
  customer: MagentoCustomer,
  kind: 'default_billing' | 'default_shipping',
): MagentoAddress | undefined {
  const id = customer[kind];
  const all = addressesOf(customer);
  return (
    all.find((a) => id !== undefined && id !== null && String(a.id) === String(id)) ?? all.find((a) => a[kind] === true)
  );
}

function syncedAddressOfMagento(a: MagentoAddress): SyncedAddress {
  const region = typeof a.region === 'string' ? a.region : (a.region?.region_code ?? a.region?.region);
  return {
    line1: squash(a.street?.[0]),
    line2: orNull(a.street?.slice(1).join(' ')),
    city: orNull(a.city),
    state: orNull(region),
    postal_code: orNull(a.postcode),
    country: orNull(a.country_id),
  };
}

export function customAttribute(customer: MagentoCustomer, code: string): string | undefined {
  const value = customer.custom_attributes?.find((a) => a.attribute_code === code)?.value;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function syncedOfMagento(customer: MagentoCustomer): SyncedCustomer {
  const billing = defaultAddress(customer, 'default_billing');
  const shipping = defaultAddress(customer, 'default_shipping');
  const prefix = typeof customer.prefix === 'string' ? customer.prefix : undefined;
  return {
    email: normalisedEmail(customer.email),
    name: stripeNameOf({ ...(prefix ? { prefix } : {}), firstname: customer.firstname, lastname: customer.lastname }),
    phone: orNull(billing?.telephone),
    address: billing ? syncedAddressOfMagento(billing) : null,
    shipping: shipping
      ? {
          name: stripeNameOf({ firstname: shipping.firstname ?? '', lastname: shipping.lastname ?? '' }),
          phone: orNull(shipping.telephone),
          address: syncedAddressOfMagento(shipping),
        }
      : null,
  };
}

/**
 * Magento's region is `{region_code, region, region_id}`, all three required by its schema. Stripe keeps only a state
 * code: the current address's region is kept when its code is the same (with its id and name), else the code stands for
 * the name and the id is 0 (no directory look-up; a country whose regions Magento requires by id may refuse that).
 */
function magentoRegion(state: string, current: MagentoAddress | undefined): MagentoAddress['region'] {
  const region = current?.region;
  if (region && typeof region === 'object' && region.region_code === state && typeof region.region_id === 'number') {
    return { region_code: state, region: region.region ?? state, region_id: region.region_id };
  }
  return { region_code: state, region: state, region_id: 0 };
}

function magentoAddress(
  address: SyncedAddress,
  parts: NameParts,
  telephone: string | null,
  current: MagentoAddress | undefined,
): MagentoAddress {
  return {
    ...(current?.id !== undefined ? { id: current.id } : {}),
    firstname: parts.firstname,
    lastname: parts.lastname,
    street: [address.line1, ...(address.line2 ? [address.line2] : [])],
    city: address.city ?? '',
    postcode: address.postal_code ?? '',
    country_id: address.country ?? '',
    telephone: telephone ?? '',
    ...(address.state ? { region: magentoRegion(address.state, current) } : {}),
  };
}

/**
 * The Magento customer once the synced fields are applied to it (or a new one): name parts by the name rule, e-mail,
 * and the default billing (with the phone) and shipping addresses. An address the source does not have is left as
 * Magento has it (a Stripe customer often has none): the sync never deletes data on the other side.
 */
export function magentoCustomerWith(
  current: MagentoCustomer | undefined,
  synced: SyncedCustomer,
): Omit<MagentoCustomer, 'id'> & { id?: number } {
  const currentParts = current
    ? {
        ...(typeof current.prefix === 'string' && current.prefix ? { prefix: current.prefix } : {}),
        firstname: current.firstname,
        lastname: current.lastname,
      }
    : undefined;
  const parts = namePartsOf(synced.name, currentParts);
  const base: MagentoCustomer = current
    ? { ...current }
    : { id: 0, email: synced.email, firstname: parts.firstname, lastname: parts.lastname };
  const next: Record<string, unknown> = {
    ...base,
    email: current && normalisedEmail(current.email) === synced.email ? current.email : synced.email,
    firstname: parts.firstname,
    lastname: parts.lastname,
  };
  if (parts.prefix) next.prefix = parts.prefix;
  else delete next.prefix;
  if (!current) delete next.id;
  const billing = current ? defaultAddress(current, 'default_billing') : undefined;
  const shipping = current ? defaultAddress(current, 'default_shipping') : undefined;
  if (synced.address || synced.shipping) {
    const others = current ? addressesOf(current).filter((a) => a !== billing && a !== shipping) : [];
    const addresses: MagentoAddress[] = [...others];
    const billingAddress = synced.address
      ? { ...magentoAddress(synced.address, parts, synced.phone, billing), default_billing: true }
      : billing
        ? { ...billing, default_billing: true }
        : undefined;
    if (synced.shipping) {
      const shipParts = namePartsOf(synced.shipping.name);
      const sameAsBilling =
        synced.address &&
        JSON.stringify(synced.shipping.address) === JSON.stringify(synced.address) &&
        synced.shipping.name === synced.name;
      if (sameAsBilling && billingAddress) addresses.push({ ...billingAddress, default_shipping: true });
      else {
        if (billingAddress) addresses.push(billingAddress);
        addresses.push({
          ...magentoAddress(
            synced.shipping.address,
            shipParts,
            synced.shipping.phone,
            shipping && shipping !== billing ? shipping : undefined,
          ),
          default_shipping: true,
        });
      }
    } else {
      if (billingAddress)
        addresses.push(shipping === billing ? { ...billingAddress, default_shipping: true } : billingAddress);
      if (shipping && shipping !== billing) addresses.push({ ...shipping, default_shipping: true });
    }
    next.addresses = addresses;
    delete next.default_billing;
    delete next.default_shipping;
  } else if (synced.phone && billing) {
    next.addresses = addressesOf(current!).map((a) => (a === billing ? { ...a, telephone: synced.phone } : a));
  }
  return next as Omit<MagentoCustomer, 'id'> & { id?: number };
}

/** Sets (or, with undefined, removes) custom attributes, keeping the others. */
export function withCustomAttributes<T extends { custom_attributes?: MagentoCustomer['custom_attributes'] }>(
  customer: T,
  values: Record<string, string | undefined>,
): T {
  const kept = (customer.custom_attributes ?? []).filter((a) => !(a.attribute_code in values));
  const added = Object.entries(values)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([attribute_code, value]) => ({ attribute_code, value }));
  return { ...customer, custom_attributes: [...kept, ...added] };
}

// ---- Stripe -------------------------------------------------------------------------------------------------------

export interface StripeCustomerLike {
  id: string;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  address?: StripeAddressLike | null;
  shipping?: { name?: string | null; phone?: string | null; address?: StripeAddressLike | null } | null;
  metadata?: Record<string, string>;
  created?: number;
}

export interface StripeAddressLike {
  line1?: string | null;
  line2?: string | null;
  city?: string | null;
  state?: string | null;
  postal_code?: string | null;
  country?: string | null;
}

function syncedAddressOfStripe(a: StripeAddressLike | null | undefined): SyncedAddress | null {
  if (!a || !squash(a.line1)) return null;
  return {
    line1: squash(a.line1),
    line2: orNull(a.line2),
    city: orNull(a.city),
    state: orNull(a.state),
    postal_code: orNull(a.postal_code),
    country: orNull(a.country),
  };
}

export function syncedOfStripe(customer: StripeCustomerLike): SyncedCustomer {
  const shippingAddress = syncedAddressOfStripe(customer.shipping?.address);
  return {
    email: normalisedEmail(customer.email ?? ''),
    name: squash(customer.name),
    phone: orNull(customer.phone),
    address: syncedAddressOfStripe(customer.address),
    shipping:
      customer.shipping && shippingAddress
        ? { name: squash(customer.shipping.name), phone: orNull(customer.shipping.phone), address: shippingAddress }
        : null,
  };
}

/** Stripe's customer create/update parameters for the synced fields (an absent address is left as Stripe has it). */
export function stripeCustomerParams(synced: SyncedCustomer): {
  name: string;
  email: string;
  phone?: string;
  address?: StripeAddressLike;
  shipping?: { name: string; phone?: string; address: StripeAddressLike };
} {
  const address = (a: SyncedAddress): StripeAddressLike => ({
    line1: a.line1,
    line2: a.line2 ?? '',
    city: a.city ?? '',
    state: a.state ?? '',
    postal_code: a.postal_code ?? '',
    country: a.country ?? '',
  });
  return {
    name: synced.name,
    email: synced.email,
    ...(synced.phone ? { phone: synced.phone } : {}),
    ...(synced.address ? { address: address(synced.address) } : {}),
    ...(synced.shipping
      ? {
          shipping: {
            name: synced.shipping.name,
            ...(synced.shipping.phone ? { phone: synced.shipping.phone } : {}),
            address: address(synced.shipping.address),
          },
        }
      : {}),
  };
}

// ---- ERP ----------------------------------------------------------------------------------------------------------

export interface ErpCustomerFields {
  customer_name: string;
  email_id: string;
  mobile_no?: string;
}

export function erpCustomerFieldsOf(synced: SyncedCustomer): ErpCustomerFields {
  return {
    customer_name: synced.name || synced.email,
    email_id: synced.email,
    ...(synced.phone ? { mobile_no: synced.phone } : {}),
  };
}

// ---- Hash and decision --------------------------------------------------------------------------------------------

/** JSON with object keys sorted at every level: equal values give equal text whatever order their keys were built in. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

/** One side as the decision needs it: its synced fields' hash, the hash our last write left there, and when it last changed. */
export interface SideState {
  hash: string;
  /** The `o2c_sync_hash` stored on that side; absent before the first sync. */
  storedHash?: string;
  /** Epoch ms of the side's last change (Magento `updated_at`, the last Stripe customer event). */
  changedAtMs: number;
}

export type SyncDecision =
  | { kind: 'in_step' }
  /** Only the hash stored on one side is stale (the two already agree): store it. */
  | { kind: 'store_hash'; on: Array<'magento' | 'stripe'> }
  | { kind: 'copy'; from: 'magento' | 'stripe'; conflict: boolean };

/**
 * No echo: a side counts as changed only when its fields no longer hash to what our last write stored there, so our own
 * write comes back as no change. Both changed (and differing) is a conflict: the later change wins (ties go to Magento,
 * the customer's account of record), and the decision says so, for the run's status.
 */
export function decideSync(magento: SideState, stripe: SideState): SyncDecision {
  const magentoChanged = magento.storedHash !== magento.hash;
  const stripeChanged = stripe.storedHash !== stripe.hash;
  if (magento.hash === stripe.hash) {
    const on = [...(magentoChanged ? ['magento' as const] : []), ...(stripeChanged ? ['stripe' as const] : [])];
    return on.length === 0 ? { kind: 'in_step' } : { kind: 'store_hash', on };
  }
  // Each side is as our last write left it (a field one side cannot hold, such as a phone with no Magento address).
  if (!magentoChanged && !stripeChanged) return { kind: 'in_step' };
  if (magentoChanged && !stripeChanged) return { kind: 'copy', from: 'magento', conflict: false };
  if (stripeChanged && !magentoChanged) return { kind: 'copy', from: 'stripe', conflict: false };
  return { kind: 'copy', from: stripe.changedAtMs > magento.changedAtMs ? 'stripe' : 'magento', conflict: true };
}
