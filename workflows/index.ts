export { stripeEventIntake } from './stripeEventIntake';
export { orderToCash } from './orderToCash';
export { stripeCatchUp } from './stripeCatchUp';
export { payoutReconciliation } from './payoutReconciliation';
export { unmatchedPayment } from './unmatchedPayment';
export { refund } from './refund';
export { dispute } from './dispute';
export { subscription } from './subscription';
