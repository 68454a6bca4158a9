import express from 'express';
import { createPeer, type SandboxPeer } from '../kit/peer';
import { Store } from '../kit/store';
import { frappeTokenAuth } from './auth';
import { ErpDocuments } from './documents';
import { erpFaultResponders } from './faultResponders';
import { erpRoutes, frappeNotFound } from './routes';
import { FrappeClock, initialErpState, type ErpState } from './state';

export interface ErpSandboxOptions {
  apiKey: string;
  apiSecret: string;
  /** Mirror the documents to this JSON file so a restart keeps them. */
  dataFile?: string;
}

/**
 * Sandbox ERPNext: Frappe's REST API (`/api/resource/{DocType}`, `frappe.client.cancel`) over Customer, Sales Order,
 * Sales Invoice (and returns), Payment Entry and Journal Entry, with token auth and Frappe's error shapes.
 */
export function createErpSandbox(options: ErpSandboxOptions): SandboxPeer<ErpState> {
  const store = new Store<ErpState>(initialErpState, options.dataFile);
  const documents = new ErpDocuments(store, new FrappeClock());
  return createPeer({
    name: 'erp',
    store,
    bodyParsers: [express.json({ limit: '5mb' }), express.urlencoded({ extended: true, limit: '5mb' })],
    auth: frappeTokenAuth(options.apiKey, options.apiSecret),
    routes: erpRoutes(documents),
    faultResponders: erpFaultResponders,
    notFound: frappeNotFound,
  });
}

export type { ErpDoc, ErpState } from './state';
