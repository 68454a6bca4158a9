import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  customerKeyOf,
  decideSync,
  magentoCustomerWith,
  namePartsOf,
  stableJson,
  stripeCustomerParams,
  stripeNameOf,
  syncedOfMagento,
  syncedOfStripe,
  withCustomAttributes,
  type SideState,
} from '../../domain/customerMapping';
import type { MagentoCustomer } from '../../domain/magento';

// A first name that is itself an honorific ("Dr Smith") reads as a prefix: the name rule's one ambiguity, left out here.
const word = fc.stringMatching(/^[A-Z][a-zà-ÿ'-]{0,11}$/).filter((w) => !/^(dr|mr|mrs|ms|mx|prof)$/i.test(w));
const particle = fc.constantFrom('van', 'der', 'de', 'la', 'von', 'di', 'da', 'le');
/** Realistic Magento names: a one-word first name, a surname of one or more words ("van der Berg"), or one name kept in both. */
const names = fc.oneof(
  fc.record({
    firstname: word,
    lastname: fc.tuple(fc.array(particle, { maxLength: 2 }), word).map(([ps, w]) => [...ps, w].join(' ')),
  }),
  word.map((w) => ({ firstname: w, lastname: w })),
);
const prefix = fc.option(fc.constantFrom('Dr.', 'Mr.', 'Ms.', 'Mrs.', 'Prof.', 'Dr'), { nil: undefined });

const magentoCustomer = (over: Partial<MagentoCustomer> = {}): MagentoCustomer => ({
  id: 7,
  email: 'Anna@Example.com',
  firstname: 'Anna',
  lastname: 'van der Berg',
  ...over,
});

describe('customer mapping', () => {
  it('writes a Stripe name from the Magento parts, a single name once', () => {
    expect(stripeNameOf({ firstname: 'Anna', lastname: 'van der Berg' })).toBe('Anna van der Berg');
    expect(stripeNameOf({ prefix: 'Dr.', firstname: 'Anna', lastname: 'Berg' })).toBe('Dr. Anna Berg');
    expect(stripeNameOf({ firstname: 'Cher', lastname: 'Cher' })).toBe('Cher');
  });

  it('splits a Stripe name: first word, the rest as surname, a leading honorific as prefix, one word into both', () => {
    expect(namePartsOf('Anna van der Berg')).toEqual({ firstname: 'Anna', lastname: 'van der Berg' });
    expect(namePartsOf('  Prof  Ada   Lovelace ')).toEqual({ prefix: 'Prof', firstname: 'Ada', lastname: 'Lovelace' });
    expect(namePartsOf('Cher')).toEqual({ firstname: 'Cher', lastname: 'Cher' });
    // An honorific alone is a name, not a prefix: Magento needs a firstname.
    expect(namePartsOf('Dr')).toEqual({ firstname: 'Dr', lastname: 'Dr' });
  });

  it('keeps the Magento parts when the Stripe name is the one they map to (a two-word first name survives)', () => {
    const current = { firstname: 'Mary Ann', lastname: 'Smith' };
    expect(namePartsOf('Mary Ann Smith', current)).toBe(current);
    expect(namePartsOf('Mary Ann Jones', current)).toEqual({ firstname: 'Mary', lastname: 'Ann Jones' });
  });

  it('round-trips Magento → Stripe → Magento names, prefixes included', () => {
    fc.assert(
      fc.property(names, prefix, (parts, p) => {
        const given = { ...(p ? { prefix: p } : {}), ...parts };
        expect(namePartsOf(stripeNameOf(given))).toEqual(given);
      }),
    );
  });

  it('round-trips a Magento customer through Stripe to the same synced fields', () => {
    fc.assert(
      fc.property(
        names,
        fc.emailAddress(),
        fc.option(fc.stringMatching(/^\+[1-9]\d{6,12}$/), { nil: undefined }),
        (parts, email, phone) => {
          const customer = magentoCustomer({
            ...parts,
            email,
            addresses: phone
              ? [
                  {
                    id: 3,
                    customer_id: 7,
                    firstname: parts.firstname,
                    lastname: parts.lastname,
                    street: ['1 Main St', 'Flat 2'],
                    city: 'Leeds',
                    postcode: 'LS1 1AA',
                    country_id: 'GB',
                    telephone: phone,
                    default_billing: true,
                    default_shipping: true,
                  },
                ]
              : [],
          });
          const synced = syncedOfMagento(customer);
          const stripe = { id: 'cus_1', ...stripeCustomerParams(synced) };
          expect(syncedOfStripe(stripe)).toEqual(synced);
          const back = magentoCustomerWith(undefined, syncedOfStripe(stripe)) as MagentoCustomer;
          expect({ firstname: back.firstname, lastname: back.lastname }).toEqual(parts);
          expect(syncedOfMagento({ ...back, id: 1 })).toEqual(synced);
        },
      ),
    );
  });

  it('applies Stripe fields to an existing Magento customer keeping its address ids and other fields', () => {
    const current = magentoCustomer({
      group_id: 4,
      default_billing: '3',
      addresses: [
        {
          id: 3,
          customer_id: 7,
          firstname: 'Anna',
          lastname: 'van der Berg',
          street: ['1 Main St'],
          city: 'Leeds',
          postcode: 'LS1',
          country_id: 'GB',
          telephone: '+441',
          default_billing: true,
        },
      ],
    });
    const next = magentoCustomerWith(current, { ...syncedOfMagento(current), name: 'Dr. Anna Smit', phone: '+442' });
    expect(next).toMatchObject({
      id: 7,
      group_id: 4,
      prefix: 'Dr.',
      firstname: 'Anna',
      lastname: 'Smit',
      email: 'Anna@Example.com',
    });
    expect(next.addresses).toEqual([expect.objectContaining({ id: 3, telephone: '+442', default_billing: true })]);
  });

  it('hashes the same fields to the same text whatever the key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(stableJson(reversed)).toBe(stableJson(object));
      }),
    );
    expect(stableJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('keeps other custom attributes when setting the sync ones', () => {
    const c = withCustomAttributes(
      magentoCustomer({
        custom_attributes: [
          { attribute_code: 'x', value: '1' },
          { attribute_code: 'o2c_sync_hash', value: 'old' },
        ],
      }),
      { o2c_sync_hash: 'new', o2c_customer_key: undefined },
    );
    expect(c.custom_attributes).toEqual([
      { attribute_code: 'x', value: '1' },
      { attribute_code: 'o2c_sync_hash', value: 'new' },
    ]);
  });

  it('keys a customer by the stored key, else the normalised e-mail', () => {
    // sha256("anna@example.com"), first 16 bytes: the same key however the e-mail is written, and no e-mail in it.
    expect(customerKeyOf(undefined, ' Anna@Example.COM ')).toBe(
      `e${createHash('sha256').update('anna@example.com').digest('hex').slice(0, 32)}`,
    );
    expect(customerKeyOf(undefined, ' Anna@Example.COM ')).toBe(customerKeyOf(undefined, 'anna@example.com'));
    expect(customerKeyOf(undefined, 'anna@example.com')).not.toContain('anna');
    expect(customerKeyOf('e0123', 'new@example.com')).toBe('e0123');
    expect(customerKeyOf(undefined, null)).toBeUndefined();
  });

  describe('which side wins', () => {
    const side = (hash: string, storedHash: string | undefined, changedAtMs = 0): SideState => ({
      hash,
      ...(storedHash ? { storedHash } : {}),
      changedAtMs,
    });
    it('copies from the only side that changed since our last write, and never echoes our own write', () => {
      expect(decideSync(side('m2', 'm1'), side('s1', 's1'))).toEqual({
        kind: 'copy',
        from: 'magento',
        conflict: false,
      });
      expect(decideSync(side('m1', 'm1'), side('s2', 's1'))).toEqual({ kind: 'copy', from: 'stripe', conflict: false });
      expect(decideSync(side('h', 'h'), side('h', 'h'))).toEqual({ kind: 'in_step' });
      expect(decideSync(side('m', 'm'), side('s', 's'))).toEqual({ kind: 'in_step' });
      expect(decideSync(side('h', undefined), side('h', 'h'))).toEqual({ kind: 'store_hash', on: ['magento'] });
    });
    it('resolves a change on both sides by the later change, recorded as a conflict', () => {
      expect(decideSync(side('m2', 'm1', 2000), side('s2', 's1', 1000))).toEqual({
        kind: 'copy',
        from: 'magento',
        conflict: true,
      });
      expect(decideSync(side('m2', 'm1', 1000), side('s2', 's1', 2000))).toEqual({
        kind: 'copy',
        from: 'stripe',
        conflict: true,
      });
    });
  });
});
