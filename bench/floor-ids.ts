/** The floor's workflow ids (bench/floor-workflows.ts), shared by its workflows, activities and the bench. */
export const floorCustomerId = (brand: string, customerId: string) => `floor/${brand}/customer/${customerId}`;
export const floorPromiseId = (customerId: string) => `floor/promise/${customerId}`;
