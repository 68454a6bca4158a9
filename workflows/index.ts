export { stripeEventIntake } from './stripeEventIntake';
export { orderToCash } from './orderToCash';
