export { stripeEventIntake } from './stripeEventIntake';
